/**
 * Issue 5, the cluster against etcd in the same run: three etcd members and three
 * fipa-edge nodes (`main.ts` processes), all on loopback, driven by the same measuring
 * code (`lib/commit-measures.ts`) through one client interface (`lib/write-clients.ts`):
 * commit latency with one client, commits per second with 64, and the time from a SIGKILL
 * of the leader to the next committed write.
 * @module
 */
import { commitLatencies, commitRate, failover } from "./lib/commit-measures.ts";
import { ensureEtcd, type EtcdTiming, startEtcdCluster } from "./lib/etcd.ts";
import { startFipaCluster } from "./lib/fipa-cluster.ts";
import type { BenchResult, Figure } from "./lib/results.ts";
import { summarize } from "./lib/stats.ts";
import { etcdHttpWriter, etcdWriter, fipaWriter, type WriteClient } from "./lib/write-clients.ts";

/** Knobs of {@link clusterBench}. */
export interface ClusterBenchOptions {
  /** Sequential commits measured per store (default 1000). */
  commits?: number;
  /** Concurrent writers (default 64) and seconds (default 5) of the throughput figure. */
  clients?: number;
  seconds?: number;
  /** Failover trials per store and setting (default 3). */
  trials?: number;
  /** Nodes of the large cluster (default 25: 5 voters, 20 learners); 0 skips it. */
  largeNodes?: number;
  /** Writes whose visibility on every node of the large cluster is timed (default 30). */
  visibility?: number;
  /**
   * Only the large cluster against the 3-node one (no etcd, no failover): the rows of
   * issue 18's 25-node goals, in a few minutes (default false).
   */
  largeOnly?: boolean;
}

/** Milliseconds from a write sent to the leader until every node serves it locally. */
async function visibleEverywhere(
  urls: string[],
  leader: number,
  n: number,
  platform: string,
): Promise<number[]> {
  const c = fipaWriter(urls, platform);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = 3e9 + k;
    const name = encodeURIComponent(`agent-${i}@${platform}`);
    const t0 = performance.now();
    const written = c.write(i, leader);
    const seen = await Promise.all(urls.map(async (u) => {
      for (;;) {
        const res = await fetch(`${u}/api/v1/services?agent=${name}&max_results=1`);
        const body = await res.json();
        if (body.total > 0) return performance.now() - t0;
        await new Promise((r) => setTimeout(r, 2));
      }
    }));
    await written;
    out.push(Math.max(...seen));
  }
  return out;
}

const ETCD_DEFAULT: EtcdTiming = { heartbeatMs: 100, electionMs: 1000 };
const ETCD_MATCHED: EtcdTiming = { heartbeatMs: 50, electionMs: 500 };
const OURS = "fipa-edge: 50 ms ticks, heartbeat every tick, election after 10–20 ticks " +
  "(0.5–1 s, randomized), pre-vote and check-quorum";
const timing = (t: EtcdTiming) =>
  `etcd --heartbeat-interval ${t.heartbeatMs} --election-timeout ${t.electionMs}`;

interface SteadyState {
  latencies: number[];
  rate: number;
}

async function steady(
  c: WriteClient,
  leader: number,
  o: Required<ClusterBenchOptions>,
): Promise<SteadyState> {
  const latencies = await commitLatencies(c, leader, o.commits);
  const rate = await commitRate(c, leader, o.clients, o.seconds);
  return { latencies, rate };
}

async function etcdFailover(t: EtcdTiming): Promise<number> {
  const etcd = await startEtcdCluster(t);
  const c = etcdWriter(etcd.members.map((m) => m.clientUrl));
  try {
    const leader = await etcd.leader();
    // One committed write first, so every connection is up before the kill.
    for (let i = 0; i < 3; i++) await c.write(1e9 + i, i);
    const r = await failover(c, { endpoints: 3, leader, kill: () => etcd.kill(leader) });
    return r.ms;
  } finally {
    c.close();
    await etcd.stop();
  }
}

async function fipaFailover(): Promise<number> {
  const fc = await startFipaCluster();
  const c = fipaWriter(fc.nodes.map((n) => n.url), fc.platform);
  try {
    const leader = await fc.leader();
    for (let i = 0; i < 3; i++) await c.write(2e9 + i, i);
    const r = await failover(c, { endpoints: 3, leader, kill: () => fc.kill(leader) });
    return r.ms;
  } finally {
    c.close();
    await fc.stop();
  }
}

/** The 3-node cluster's steady state. */
async function threeNodes(
  o: Required<ClusterBenchOptions>,
  log: (s: string) => void,
): Promise<SteadyState> {
  const fc = await startFipaCluster();
  try {
    const leader = await fc.leader();
    const c = fipaWriter(fc.nodes.map((n) => n.url), fc.platform);
    const ours = await steady(c, leader, o);
    log(`fipa-edge steady state: ${Math.round(ours.rate)} writes/s`);
    return ours;
  } finally {
    await fc.stop();
  }
}

/** The large cluster's steady state and the time for a write to be visible everywhere. */
async function largeCluster(
  o: Required<ClusterBenchOptions>,
  log: (s: string) => void,
): Promise<SteadyState & { visible: number[] }> {
  const t0 = performance.now();
  const lc = await startFipaCluster("plat", { size: o.largeNodes, args: ["--voters", "5"] });
  try {
    log(`${o.largeNodes}-node cluster up in ${Math.round((performance.now() - t0) / 1000)} s`);
    const leader = await lc.leader();
    const urls = lc.nodes.map((n) => n.url);
    const c = fipaWriter(urls, lc.platform);
    const st = await steady(c, leader, o);
    log(`${o.largeNodes}-node steady state: ${Math.round(st.rate)} writes/s`);
    const visible = await visibleEverywhere(urls, leader, o.visibility, lc.platform);
    return { ...st, visible };
  } finally {
    await lc.stop();
  }
}

/** The rows of the large cluster against the 3-node one. */
function largeFigures(
  o: Required<ClusterBenchOptions>,
  large: SteadyState & { visible: number[] },
  ours: SteadyState,
): Figure[] {
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const S = summarize(ours.latencies);
  const L = summarize(large.latencies);
  const v = summarize(large.visible);
  const n = o.largeNodes;
  const shape = `${n} nodes: 5 voters, ${n - 5} learners (--voters 5), all on loopback`;
  return [
    {
      name: `${n} nodes vs 3: commit latency, 1 client, p50`,
      value: L.p50,
      unit: "ms",
      baseline: { name: "the 3-node cluster above", value: S.p50, unit: "ms" },
      ratio: L.p50 / S.p50,
      goal: "≤ 1.5",
      note: `${shape}; p99 ${r3(L.p99)} ms vs ${r3(S.p99)} ms`,
    },
    {
      name: `${n} nodes vs 3: commits per second, ${o.clients} clients`,
      value: large.rate,
      unit: "writes/s",
      baseline: { name: "the 3-node cluster above", value: ours.rate, unit: "writes/s" },
      ratio: large.rate / ours.rate,
      goal: "≥ 0.7",
      note: `${shape}; ${n} processes share the 2 CPUs`,
    },
    {
      name: `${n} nodes: a leader write visible on all ${n}, p50`,
      value: v.p50,
      unit: "ms",
      note: `p99 ${r3(v.p99)} ms, n=${o.visibility}: from the write sent to the leader ` +
        `until every node's local GET /api/v1/services finds it (polled every 2 ms)`,
    },
  ];
}

/** {@link ClusterBenchOptions.largeOnly}: the 3-node and the large cluster, nothing else. */
async function largeOnlyBench(
  o: Required<ClusterBenchOptions>,
  log: (s: string) => void,
): Promise<BenchResult> {
  const loads = [Deno.loadavg()[0]];
  const ours = await threeNodes(o, log);
  const large = await largeCluster(o, log);
  loads.push(Deno.loadavg()[0]);
  return {
    // Its own results file: a partial run must not replace the whole benchmark's.
    id: "cluster-large",
    title: `Cluster: ${o.largeNodes} nodes vs 3 (BENCH_CLUSTER_LARGE_ONLY: no etcd, no failover)`,
    figures: [...largeFigures(o, large, ours), {
      name: "machine load during the run (1-minute load average, highest of start and end)",
      value: Math.max(...loads),
      unit: "",
      note: `start ${loads[0].toFixed(1)}, end ${
        loads[1].toFixed(1)
      } on ${navigator.hardwareConcurrency} CPUs`,
    }],
  };
}

/** Runs the cluster benchmark (installs etcd-server with apt-get when missing). */
export async function clusterBench(opts: ClusterBenchOptions = {}): Promise<BenchResult> {
  const o: Required<ClusterBenchOptions> = {
    commits: opts.commits ?? 1000,
    clients: opts.clients ?? 64,
    seconds: opts.seconds ?? 5,
    trials: opts.trials ?? 3,
    largeNodes: opts.largeNodes ?? 25,
    visibility: opts.visibility ?? 30,
    largeOnly: opts.largeOnly ?? false,
  };
  const log = (s: string) => console.error(`  cluster: ${s}`);
  if (o.largeOnly) return await largeOnlyBench(o, log);
  const version = await ensureEtcd();
  // Other work on the machine skews absolute figures (ratios less so): the run reports it.
  const loads = [Deno.loadavg()[0]];

  const etcd = await startEtcdCluster(ETCD_DEFAULT);
  let etcdGrpc: SteadyState, etcdHttp: SteadyState;
  try {
    const urls = etcd.members.map((m) => m.clientUrl);
    const leader = await etcd.leader();
    const g = etcdWriter(urls);
    const h = etcdHttpWriter(urls);
    try {
      etcdGrpc = await steady(g, leader, o);
      etcdHttp = await steady(h, leader, o);
    } finally {
      g.close();
    }
  } finally {
    await etcd.stop();
  }
  log(`etcd steady state: ${Math.round(etcdGrpc.rate)} writes/s`);

  const ours = await threeNodes(o, log);

  let large: (SteadyState & { visible: number[] }) | undefined;
  let largeError: string | undefined;
  if (o.largeNodes > 0) {
    try {
      large = await largeCluster(o, log);
    } catch (e) {
      // Reported as a row: the 3-node figures above still count.
      largeError = String(e);
      log(`${o.largeNodes}-node cluster failed: ${largeError}`);
    }
  }

  const fo = { ours: [] as number[], etcd: [] as number[], matched: [] as number[] };
  for (let t = 0; t < o.trials; t++) {
    fo.etcd.push(await etcdFailover(ETCD_DEFAULT));
    fo.matched.push(await etcdFailover(ETCD_MATCHED));
    fo.ours.push(await fipaFailover());
    log(
      `failover trial ${t + 1}: ours ${Math.round(fo.ours[t])} ms, etcd ` +
        `${Math.round(fo.etcd[t])} ms, etcd matched ${Math.round(fo.matched[t])} ms`,
    );
  }

  loads.push(Deno.loadavg()[0]);
  const s = summarize(ours.latencies);
  const e = summarize(etcdGrpc.latencies);
  const eh = summarize(etcdHttp.latencies);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const med = (xs: number[]) => summarize(xs).p50;
  const all = (xs: number[]) => xs.map(Math.round).join(", ");
  const client = "POST /api/v1/services (a DF registration committed through Raft) with fetch; " +
    "etcd: put with the npm etcd3 client (gRPC); both to the leader, same ~150-byte JSON";
  const figures: Figure[] = [
    {
      name: "commit latency, 1 client, p50",
      value: s.p50,
      unit: "ms",
      baseline: { name: `etcd ${version} put (etcd3, gRPC)`, value: e.p50, unit: "ms" },
      ratio: s.p50 / e.p50,
      goal: "≤ 1.25",
      note: `${client}; n=${o.commits}; etcd via its HTTP/JSON gateway (fetch, as ours): ` +
        `p50 ${r3(eh.p50)} ms`,
    },
    {
      name: "commit latency, 1 client, p99",
      value: s.p99,
      unit: "ms",
      baseline: { name: `etcd ${version} put (etcd3, gRPC)`, value: e.p99, unit: "ms" },
      ratio: s.p99 / e.p99,
      goal: "≤ 1.5",
      note: `etcd HTTP/JSON gateway p99 ${r3(eh.p99)} ms`,
    },
    {
      name: `commits per second, ${o.clients} concurrent clients`,
      value: ours.rate,
      unit: "writes/s",
      baseline: { name: `etcd ${version} (etcd3, gRPC)`, value: etcdGrpc.rate, unit: "writes/s" },
      ratio: ours.rate / etcdGrpc.rate,
      goal: "≥ 0.8",
      note: `${o.seconds} s after 1 s warm-up; etcd via HTTP/JSON gateway: ` +
        `${Math.round(etcdHttp.rate)} writes/s; client and all members share the 2 CPUs`,
    },
    {
      name: "failover: leader SIGKILL → next committed write (median)",
      value: med(fo.ours),
      unit: "ms",
      baseline: {
        name: `etcd, default timing (${timing(ETCD_DEFAULT)})`,
        value: med(fo.etcd),
        unit: "ms",
      },
      ratio: med(fo.ours) / med(fo.etcd),
      goal: "≤ 1 (no slower than etcd)",
      note: `trials: ours ${all(fo.ours)} ms; etcd ${all(fo.etcd)} ms. ${OURS}`,
    },
    {
      name: "failover vs etcd with timing like ours (median)",
      value: med(fo.ours),
      unit: "ms",
      baseline: { name: `etcd, ${timing(ETCD_MATCHED)}`, value: med(fo.matched), unit: "ms" },
      ratio: med(fo.ours) / med(fo.matched),
      goal: "≤ 1",
      note: `trials: etcd ${all(fo.matched)} ms; a write starts every 50 ms, round-robin to ` +
        `the survivors (each may take up to 5 s), the first to commit ends the trial`,
    },
  ];
  figures.push({
    name: "machine load during the run (1-minute load average, highest of start and end)",
    value: Math.max(...loads),
    unit: "",
    note:
      `start ${loads[0].toFixed(1)}, end ${
        loads[1].toFixed(1)
      } on ${navigator.hardwareConcurrency} ` +
      "CPUs, shared with other work: absolute figures are noisy, ratios less so",
  });
  if (largeError !== undefined) {
    figures.push({
      name: `${o.largeNodes} nodes (5 voters): not measured`,
      value: 0,
      unit: "",
      note: `the run failed: ${largeError.slice(0, 300)}`,
    });
  }
  if (large) figures.push(...largeFigures(o, large, ours));
  return { id: "cluster", title: "Cluster: Raft directory writes vs etcd (3 members)", figures };
}
