/**
 * `deno task bench [id...]`: runs the benchmarks (all, or those named), writes
 * `bench/results/<id>.json`, and rewrites `bench/results/latest.md` from every stored
 * result (so it lists the latest figures of all benchmarks, not only those of this run)
 * and prints it. Every figure is reported with a baseline measured in the same run, since
 * these machines are shared.
 */
import { aclCodecBench } from "./acl-codec.ts";
import { agentLoadBench } from "./agent-load.ts";
import { agentsBench } from "./agents.ts";
import { bridgesBench } from "./bridges.ts";
import { clusterBench } from "./cluster.ts";
import { deploymentsBench } from "./deployments.ts";
import { durabilityBench } from "./durability.ts";
import { historyBench } from "./history.ts";
import { httpMessagesBench } from "./http-messages.ts";
import { migrationBench } from "./migration.ts";
import { mtpBench } from "./mtp.ts";
import { protocolsBench } from "./protocols.ts";
import { scaleBench } from "./scale.ts";
import { replicasBench } from "./replicas.ts";
import { type BenchResult, markdown, readResults, writeResult } from "./lib/results.ts";
import { observabilityBench } from "./observability.ts";
import { outboundBench } from "./outbound.ts";
import { securityBench } from "./security.ts";
import { timersBench } from "./timers.ts";

const BENCHES: Record<string, () => Promise<BenchResult> | BenchResult> = {
  "acl-codec": aclCodecBench,
  "http-messages": () => httpMessagesBench(),
  "protocols": () => protocolsBench(),
  "agents": () => agentsBench(),
  "agent-load": () => agentLoadBench(),
  // BENCH_QUICK=1: fewer samples and one failover trial, for a shared machine;
  // BENCH_CLUSTER_LARGE_ONLY=1: only the 25-node cluster against the 3-node one.
  "cluster": () =>
    clusterBench({
      ...(Deno.env.get("BENCH_QUICK")
        ? { commits: 300, seconds: 3, trials: 1, visibility: 10 }
        : {}),
      largeOnly: Deno.env.get("BENCH_CLUSTER_LARGE_ONLY") === "1",
    }),
  "observability": () => observabilityBench(),
  "migration": () => migrationBench(),
  "durability": () => durabilityBench(),
  "bridges": () => bridgesBench(),
  "history": () => historyBench(),
  "mtp": () => mtpBench(),
  "security": () => securityBench(),
  "timers": () => timersBench(),
  "outbound": () => outboundBench(),
  "deployments": () => deploymentsBench(Deno.env.get("BENCH_QUICK") ? { roundTrips: 1000 } : {}),
  // BENCH_QUICK=1: blocks of 2 s.
  "replicas": () => replicasBench(Deno.env.get("BENCH_QUICK") ? { seconds: 2, blocks: 2 } : {}),
  // BENCH_SCALE_AGENTS=N sets the number of agents (default 100,000; BENCH_QUICK=1: 3,000).
  "scale": () =>
    scaleBench({
      agents: Number(
        Deno.env.get("BENCH_SCALE_AGENTS") ?? (Deno.env.get("BENCH_QUICK") ? 3000 : 100_000),
      ),
    }),
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
let failed = 0;
for (const id of wanted) {
  console.error(`bench: ${id}...`);
  const t0 = performance.now();
  try {
    const r = await BENCHES[id]();
    await writeResult(r, { ...meta, date: new Date().toISOString() });
  } catch (e) {
    failed++;
    console.error(`bench: ${id} failed: ${(e as Error).stack ?? e}`);
  }
  console.error(`bench: ${id} done in ${Math.round((performance.now() - t0) / 1000)} s`);
}
const md = markdown(await readResults());
console.log(md);
await Deno.writeTextFile(new URL("./results/latest.md", import.meta.url), md);
// Nodes started in-process (libp2p) may keep the event loop alive after stop().
Deno.exit(failed ? 1 : 0);
