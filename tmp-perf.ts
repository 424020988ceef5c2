import { parseAclString, toAclString } from "./runtime/acl/mod.ts";
const t = new TextDecoder("latin1").decode(Deno.readFileSync("../shared/fipa-corpus/acl-string/valid/jade-testmsg-05-request.acl"));
const small = '(inform :sender (agent-identifier :name a@x) :receiver (set (agent-identifier :name b@x)) :content "hello" :conversation-id c1)';
for (const [name, s] of [["corpus05", t], ["small", small]] as const) {
  for (let i = 0; i < 2000; i++) parseAclString(s);
  let t0 = performance.now(); const N = 50000;
  for (let i = 0; i < N; i++) parseAclString(s);
  const m = parseAclString(s);
  let t1 = performance.now();
  for (let i = 0; i < N; i++) toAclString(m);
  let t2 = performance.now();
  console.log(name, s.length, "parse us", ((t1 - t0) / N * 1000).toFixed(2), "write us", ((t2 - t1) / N * 1000).toFixed(2));
}
const patho = [
  "(inform :language " + "1".repeat(1_000_000) + "x)",
  "(inform :content \"" + "\\\"".repeat(500_000) + "\")",
  "(inform :content \"" + "\\".repeat(1_000_000),
  "(inform :encoding (" + "a ".repeat(500_000) + "))",
  "(inform :content #1000000\"" + "x".repeat(999_999),
  "(inform " + ":X-a 1 ".repeat(1) + "(".repeat(1_000_000),
  "(inform :receiver (set " + "(agent-identifier :name a) ".repeat(1100) + "))",
];
for (const p of patho) {
  const t0 = performance.now();
  try { parseAclString(p); console.log("ok"); } catch (e) { console.log((e as Error).message.slice(0, 100)); }
  console.log("  ms", (performance.now() - t0).toFixed(1));
}
