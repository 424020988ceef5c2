/**
 * Issue 3, agents: deploy time (cached and uncached), activation, memory per idle agent,
 * agent-to-agent latency and HTTP → agent → reply throughput, each against a baseline
 * measured in the same run.
 * @module
 */
import { measureActivation } from "./lib/activation.ts";
import { ensureAgentBuilds } from "./lib/agent-builds.ts";
import { compileMs, wasmCallNs, workerRoundTripsUs } from "./lib/baselines.ts";
import { prober, startBenchNode } from "./lib/bench-node.ts";
import { runJsonChild } from "./lib/child-json.ts";
import { forwarderBytes } from "./lib/forwarder.ts";
import { cachedCoreModules, deployOverHttp } from "./lib/http-deploy.ts";
import { spawnNodeProcess, stopNodeProcess } from "./lib/node-process.ts";
import type { BenchResult, Figure } from "./lib/results.ts";
import { summarize } from "./lib/stats.ts";
import { compareServers } from "./lib/wrk-compare.ts";
import { buildCoreModule, readWat } from "../agents/build/mod.ts";
import { SEND_AND_WAIT_BODY } from "./lib/sample-content.ts";
import { AGENTS_PER_WORKER } from "../runtime/sandbox/sandbox.ts";

const DIST = new URL("../agents/dist/", import.meta.url);
const SERVERS = new URL("./servers/", import.meta.url);

/** Knobs of {@link agentsBench} (defaults give a run of about three minutes). */
export interface AgentsBenchOptions {
  /** Fresh node processes per component for the uncached deploy (default 3). */
  uncachedRounds?: number;
  /** Deploys of an already cached component (default 10). */
  cachedDeploys?: number;
  /** Activations measured (default 200). */
  activations?: number;
  /** Idle agents deployed into one node for the memory figure (default 1000). */
  idleAgents?: number;
  /** Round trips measured per agent path (default 3000). */
  roundTrips?: number;
  /** wrk seconds per round (default 5) and rounds (default 2). */
  seconds?: number;
  rounds?: number;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const median = (xs: number[]) => summarize(xs).p50;

async function component(name: string): Promise<Uint8Array> {
  return await Deno.readFile(new URL(`${name}.wasm`, DIST));
}

/**
 * Deploy figures of one component: uncached (a fresh node process with a fresh data dir,
 * so jco is loaded and the component transpiled) and cached (the same bytes again), and
 * the baseline.
 */
async function deployFigures(
  file: string,
  label: string,
  rounds: number,
  cached: number,
): Promise<Figure[]> {
  const bytes = await component(file);
  const uncached: number[] = [];
  const hits: number[] = [];
  const compile: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const dataDir = await Deno.makeTempDir({ prefix: "fipa-edge-bench-deploy-" });
    const node = await spawnNodeProcess({ name: "bench", dataDir });
    try {
      uncached.push(await deployOverHttp(node.url, bytes, `${file}-u${r}`));
      if (r === rounds - 1) {
        for (let i = 0; i < cached; i++) {
          hits.push(await deployOverHttp(node.url, bytes, `${file}-c${i}`));
        }
      }
      compile.push(await compileMs(await cachedCoreModules(dataDir)));
    } finally {
      await stopNodeProcess(node);
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  }
  const base = {
    name: "WebAssembly.compile of its instrumented core modules",
    value: median(compile),
    unit: "ms",
  };
  return [
    {
      name: `deploy ${label}, uncached (new node process, fresh data dir; HTTP multipart → 201)`,
      value: median(uncached),
      unit: "ms",
      baseline: base,
      ratio: median(uncached) / base.value,
      note: `median of ${rounds} fresh nodes: ${uncached.map(Math.round).join(", ")} ms; ` +
        `includes loading jco in a new Worker, transpiling, instrumenting, the disk cache, ` +
        `activation and the Raft commit of the agent record`,
    },
    {
      name: `deploy ${label}, cached (same bytes again)`,
      value: median(hits),
      unit: "ms",
      baseline: base,
      ratio: median(hits) / base.value,
      note: `p50 of ${cached}; max ${r3(summarize(hits).max)} ms`,
    },
  ];
}

async function activationFigures(n: number): Promise<Figure[]> {
  const tiny = await component("tiny");
  const a = await measureActivation(tiny, n);
  const rt = summarize(await workerRoundTripsUs(2000));
  const fresh = summarize(a.fresh);
  const snap = summarize(a.fromSnapshot);
  const inst = summarize(a.instance);
  const base = {
    name: "new WebAssembly.Instance of its main core module (p50)",
    value: inst.p50 / 1000,
    unit: "ms",
  };
  return [
    {
      name: "activate a deployed tiny agent (sandbox.activate + init), p50",
      value: fresh.p50 / 1000,
      unit: "ms",
      baseline: base,
      ratio: fresh.p50 / inst.p50,
      goal: "p50 ≤ 5 ms",
      note: `p90 ${r3(fresh.p90 / 1000)} ms, p99 ${r3(fresh.p99 / 1000)} ms (the slow ones ` +
        `wait for a new Worker: ${AGENTS_PER_WORKER} agents per Worker); bare Worker round trip p50 ` +
        `${r3(rt.p50)} µs; n=${n}`,
    },
    {
      name: "wake a tiny agent from its snapshot (sandbox.activate with snapshot), p50",
      value: snap.p50 / 1000,
      unit: "ms",
      baseline: base,
      ratio: snap.p50 / inst.p50,
      goal: "p50 ≤ 5 ms",
      note: `p90 ${r3(snap.p90 / 1000)} ms, p99 ${r3(snap.p99 / 1000)} ms; n=${n}`,
    },
  ];
}

interface MemoryReport {
  n: number;
  rss0: number;
  rss1: number;
  perItem: number;
  deployMs?: number;
  workers?: number;
}

async function memoryFigures(n: number): Promise<Figure[]> {
  const script = new URL("agent-memory.ts", SERVERS);
  const workers = await runJsonChild<MemoryReport>(script, ["workers", "50"]);
  const agents = await runJsonChild<MemoryReport>(script, ["agents", String(n)]);
  const mb = (b: number) => b / (1 << 20);
  return [
    {
      name: `RSS per idle tiny agent (${n} deployed into one node process)`,
      value: mb(agents.perItem),
      unit: "MiB",
      baseline: {
        name: "RSS per idle bare Worker (50 started)",
        value: mb(workers.perItem),
        unit: "MiB",
      },
      ratio: agents.perItem / workers.perItem,
      goal: "1,000 small agents in ≤ 2 GB",
      note:
        `node RSS ${Math.round(mb(agents.rss0))} MiB before, ${Math.round(mb(agents.rss1))} MiB ` +
        `with ${n} more agents (${agents.workers} Workers); deploying them took ` +
        `${Math.round(agents.deployMs ?? 0)} ms (${r3((agents.deployMs ?? 0) / n)} ms each)`,
    },
  ];
}

async function latencyFigures(n: number): Promise<Figure[]> {
  const bn = await startBenchNode();
  const p = prober(bn.node);
  try {
    await bn.deploy(await component("tiny"), "echo");
    await bn.deploy(await forwarderBytes("echo"), "fwd-local", { network: "local" });
    await bn.deploy(await forwarderBytes("echo"), "fwd-list", { network: ["echo"] });
    const paths: Record<string, number[]> = {};
    for (const to of ["echo", "fwd-list", "fwd-local"]) {
      for (let i = 0; i < 300; i++) await p.ask(to);
      const s: number[] = [];
      for (let i = 0; i < n; i++) s.push(await p.ask(to));
      paths[to] = s;
    }
    const rt = summarize(await workerRoundTripsUs(n));
    const core = await WebAssembly.compile(
      await buildCoreModule(
        await readWat(new URL("../agents/tiny/echo.wat", import.meta.url)),
      ) as BufferSource,
    );
    const callNs = wasmCallNs(core, "run");
    const base = { name: "bare Worker postMessage round trip (p50)", value: rt.p50, unit: "µs" };
    const fig = (key: string, name: string, goal?: string): Figure => {
      const s = summarize(paths[key]);
      return {
        name,
        value: s.p50,
        unit: "µs",
        baseline: base,
        ratio: s.p50 / rt.p50,
        goal,
        note: `p99 ${Math.round(s.p99)} µs, p90 ${Math.round(s.p90)} µs; n=${n}; raw ` +
          `WebAssembly call ${r3(callNs)} ns; bare Worker round trip p99 ${Math.round(rt.p99)} µs`,
      };
    };
    const hop = median(paths["fwd-list"]) - median(paths["echo"]);
    return [
      fig(
        "echo",
        "node → tiny echo → node (router + one agent call), p50",
        "≤ JADE 4.6.5's request → inform round trip between two agents: p50 74 µs, p99 231 µs",
      ),
      fig(
        "fwd-list",
        "agent → agent → reply: node → forwarder → echo → node (network: [echo]), p50",
        "p50 ≤ 100 µs",
      ),
      fig(
        "fwd-local",
        'same path, forwarder with network: "local" (a sync isLocal call per send), p50',
        "p50 ≤ 100 µs",
      ),
      {
        name: "one agent → agent hop (difference of the two p50s above)",
        value: hop,
        unit: "µs",
        baseline: base,
        ratio: hop / rt.p50,
        goal: "≤ 50 µs with both agents in one Worker, ≤ 150 µs across Workers; p99 ≤ 1 ms",
      },
    ];
  } finally {
    p.close();
    await bn.stop();
  }
}

async function httpFigures(seconds: number, rounds: number): Promise<Figure[]> {
  const body = SEND_AND_WAIT_BODY;
  const r = await compareServers(
    [
      { name: "bare", script: new URL("bare.ts", SERVERS) },
      { name: "node", script: new URL("agent-node.ts", SERVERS) },
    ],
    { path: "/api/v1/messages/send-and-wait", body },
    { seconds, rounds },
  );
  return [{
    name: "HTTP POST send-and-wait → tiny echo → reply (whole node, 64 connections)",
    value: r.node.rps,
    unit: "req/s",
    baseline: { name: "bare Deno.serve + req.json()", value: r.bare.rps, unit: "req/s" },
    ratio: r.node.rps / r.bare.rps,
    goal: "≥ 0.5, p99 ≤ 10 ms",
    note: `p50 ${r.node.p50Ms} ms, p99 ${r.node.p99Ms} ms (bare: p50 ${r.bare.p50Ms} ms, ` +
      `p99 ${r.bare.p99Ms} ms); server on CPU 0, wrk on CPU 1; best of ${rounds}×${seconds} s`,
  }, {
    name: "HTTP POST send-and-wait, CPU time per request (whole node, all threads)",
    value: r.node.cpuUs,
    unit: "µs",
    baseline: { name: "bare Deno.serve + req.json()", value: r.bare.cpuUs, unit: "µs" },
    ratio: r.bare.cpuUs / r.node.cpuUs,
    goal: "≥ 0.5",
    note: "ratio = bare / node (the throughput ratio a CPU-bound server would reach); " +
      "least of the rounds, in 10 ms ticks of /proc; steadier than req/s on a shared machine",
  }];
}

/** Runs the agent benchmarks; about three minutes with the defaults. */
export async function agentsBench(opts: AgentsBenchOptions = {}): Promise<BenchResult> {
  const rounds = opts.uncachedRounds ?? 3;
  const cached = opts.cachedDeploys ?? 10;
  await ensureAgentBuilds(["tiny", "echo"]);
  const figures: Figure[] = [];
  const step = async (what: string, f: () => Promise<Figure[]>) => {
    const t0 = performance.now();
    figures.push(...await f());
    console.error(`  agents: ${what} (${Math.round((performance.now() - t0) / 1000)} s)`);
  };
  await step(
    "deploy tiny",
    () => deployFigures("tiny", "tiny (2 KB WAT component)", rounds, cached),
  );
  await step(
    "deploy echo",
    () => deployFigures("echo", "echo (12 MB ComponentizeJS component)", rounds, cached),
  );
  await step("activation", () => activationFigures(opts.activations ?? 200));
  await step("latency", () => latencyFigures(opts.roundTrips ?? 3000));
  await step("memory", () => memoryFigures(opts.idleAgents ?? 1000));
  await step("http", () => httpFigures(opts.seconds ?? 5, opts.rounds ?? 2));
  return { id: "agents", title: "Agents: deploy, activation, memory, latency, HTTP", figures };
}
