/**
 * `deno task bench [id...]`: runs the benchmarks (all, or those named), prints a Markdown
 * table and writes `bench/results/<id>.json` and `bench/results/latest.md`. Every figure is
 * reported with a baseline measured in the same run, since these machines are shared.
 */
import { aclCodecBench } from "./acl-codec.ts";
import { httpMessagesBench } from "./http-messages.ts";
import { type BenchResult, markdown, writeResult } from "./lib/results.ts";

const BENCHES: Record<string, () => Promise<BenchResult> | BenchResult> = {
  "acl-codec": aclCodecBench,
  "http-messages": () => httpMessagesBench(),
};

const wanted = Deno.args.length ? Deno.args : Object.keys(BENCHES);
for (const id of wanted) {
  if (!BENCHES[id]) {
    console.error(`unknown benchmark '${id}'; known: ${Object.keys(BENCHES).join(", ")}`);
    Deno.exit(2);
  }
}
const meta = {
  date: new Date().toISOString(),
  deno: Deno.version.deno,
  cpus: navigator.hardwareConcurrency,
};
const results: BenchResult[] = [];
for (const id of wanted) {
  console.error(`bench: ${id}...`);
  const r = await BENCHES[id]();
  results.push(r);
  await writeResult(r, meta);
}
const md = markdown(results, meta);
console.log(md);
await Deno.writeTextFile(new URL("./results/latest.md", import.meta.url), md);
