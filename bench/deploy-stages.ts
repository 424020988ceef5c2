/**
 * Times the stages of a deploy over HTTP on a node in this process: `n` sequential
 * `POST /api/v1/agents` of the tiny component (default 500), each stage timed by wrapping
 * the method that does it (component load, the directory's commits, activation, the KV
 * record), the rest (multipart, zod, the response) as "HTTP and the rest", and counts the
 * Deno KV commits made meanwhile (background ones included: checkpoints). Prints the mean
 * per stage for the first and the last `window` deploys (default 100), so that work growing
 * with the number of agents shows.
 * `start` (default `on-deploy`) is the deploys' `start`: `on-message` deploys them asleep.
 * Run: `deno run -A bench/deploy-stages.ts [n] [window] [start]`.
 * @module
 */
import { ensureAgentBuilds } from "./lib/agent-builds.ts";
import { startBenchNode } from "./lib/bench-node.ts";
import { deployOverHttp } from "./lib/http-deploy.ts";
import { ComponentStore, Sandbox } from "../runtime/sandbox/mod.ts";
import { AgentStore } from "../runtime/agents/agent-store.ts";
import { Instances } from "../runtime/agents/instances.ts";
import { Cluster } from "../runtime/cluster/mod.ts";
import { AuditLog } from "../runtime/audit/mod.ts";
import { AgentManager } from "../runtime/agents/mod.ts";

const [n = 500, window = 100] = Deno.args.slice(0, 2).map(Number);
const start = Deno.args[2] ?? "on-deploy";
await ensureAgentBuilds(["tiny"]);
const bytes = await Deno.readFile(new URL("../agents/dist/tiny.wasm", import.meta.url));

/** Stage name → ms per deploy, in deploy order. */
const spent = new Map<string, number[]>();
let current = -1;
const add = (stage: string, ms: number) => {
  if (current < 0) return;
  const row = spent.get(stage) ?? [];
  row[current] = (row[current] ?? 0) + ms;
  spent.set(stage, row);
};

// deno-lint-ignore no-explicit-any
function timed(proto: any, method: string, stage: (args: unknown[]) => string) {
  const original = proto[method];
  proto[method] = async function (...args: unknown[]) {
    const t0 = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      add(stage(args), performance.now() - t0);
    }
  };
}
timed(ComponentStore.prototype, "load", () => "component load (hash, cache)");
timed(Cluster.prototype, "propose", (a) => `raft ${(a[0] as { type: string }).type}`);
timed(Sandbox.prototype, "activate", () => "sandbox.activate (Worker, instance)");
timed(Instances.prototype, "activate", () => "instances.activate (all)");
timed(AgentStore.prototype, "loadStorage", () => "loadStorage (KV)");
timed(AgentStore.prototype, "putRecord", () => "putRecord (KV)");
timed(AgentManager.prototype, "deploy", () => "AgentManager.deploy (all)");
timed(AuditLog.prototype, "append", () => "audit record (KV)");
// Deno KV commits (all of the node's connections), counted per deploy rather than timed.
const commit = Deno.AtomicOperation.prototype.commit;
Deno.AtomicOperation.prototype.commit = function () {
  add("Deno KV commits (count, not ms)", 1);
  return commit.call(this);
};

const bn = await startBenchNode({ name: "stages" });
try {
  await deployOverHttp(bn.node.url, bytes, "warm");
  for (let i = 0; i < n; i++) {
    current = i;
    add("HTTP round trip (total)", await deployOverHttp(bn.node.url, bytes, `s${i}`, { start }));
  }
  current = -1;
} finally {
  await bn.stop();
}
const mean = (xs: number[], from: number, to: number) => {
  let s = 0;
  for (let i = from; i < to; i++) s += xs[i] ?? 0;
  return s / (to - from);
};
console.log(
  `${n} sequential deploys (start ${start}); mean ms per deploy, first ${window} | last ${window}`,
);
for (const [stage, xs] of spent) {
  const a = mean(xs, 0, window).toFixed(3).padStart(8);
  const b = mean(xs, n - window, n).toFixed(3).padStart(8);
  console.log(`${a} | ${b}  ${stage}`);
}
