// Memory of idle agents: `agents N` deploys N tiny echo agents into one node and reports
// the RSS delta per agent; `workers N` starts N bare Workers (no permissions, like the
// sandbox's) and reports the RSS delta per Worker. Prints one `RESULT {json}` line.
import { startEchoWorker } from "../lib/baselines.ts";
import { prober, startBenchNode } from "../lib/bench-node.ts";
import { reportResult, settle } from "../lib/child-json.ts";
import type { Sandbox } from "../../runtime/sandbox/mod.ts";

const [mode, nArg] = Deno.args;
const n = Number(nArg ?? 200);
if (!["agents", "workers"].includes(mode) || !(n > 0)) {
  console.error("usage: agent-memory.ts agents|workers N");
  Deno.exit(2);
}
const rss = () => Deno.memoryUsage().rss;

if (mode === "workers") {
  const first = await startEchoWorker();
  await settle();
  const rss0 = rss();
  const ws = [];
  for (let i = 0; i < n; i++) ws.push(await startEchoWorker());
  await settle(1000);
  const rss1 = rss();
  for (const w of [first, ...ws]) w.close();
  reportResult({ n, rss0, rss1, perItem: (rss1 - rss0) / n });
  Deno.exit(0);
}

const bn = await startBenchNode();
const bytes = await Deno.readFile(new URL("../../agents/dist/tiny.wasm", import.meta.url));
await bn.deploy(bytes, "warm");
await settle();
const rss0 = rss();
const t0 = performance.now();
for (let i = 0; i < n; i++) await bn.deploy(bytes, `idle-${i}`);
const deployMs = performance.now() - t0;
await settle(1000);
const rss1 = rss();
// They are alive: a few answer.
const p = prober(bn.node);
for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 10))) await p.ask(`idle-${i}`);
p.close();
// The node's manager runs on the real sandbox.
const stats = (bn.node.agents.deps.sandbox as Sandbox).stats();
reportResult({
  n,
  rss0,
  rss1,
  perItem: (rss1 - rss0) / n,
  deployMs,
  workers: stats.workers,
  agents: stats.agents,
});
await Promise.race([bn.stop(), new Promise((r) => setTimeout(r, 5000))]);
Deno.exit(0);
