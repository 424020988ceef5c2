/**
 * Issue 14, "many agents, few awake": one node process (`main.ts`), N tiny agents of one
 * component deployed over HTTP, all but `awake` of them asleep, then every agent called
 * once (`send-and-wait`), so that the directory and KV are shown to stay correct at that
 * scale. The first 2,000 and a sample of 1,000 more are deployed awake and then hibernated
 * (the old way, for its figure), the rest are deployed asleep (`"start": "on-message"`:
 * registered, never activated). Figures: time to create 1,000 agents over HTTP (sequential
 * and concurrent), the deploy of all N, wall and node CPU per deploy asleep against deploy
 * then hibernate, node RSS per idle agent and in total, and the wake of a sleeping agent by
 * a message against a message to an awake one, measured in the same run.
 *
 * `BENCH_SCALE_AGENTS` sets N (default 100,000); `BENCH_QUICK=1` runs N = 3,000;
 * `BENCH_SCALE_PROFILE_DIR=<dir>` runs the node with `--cpu-prof` into that directory.
 * @module
 */
import { ensureAgentBuilds } from "./lib/agent-builds.ts";
import { processCpuMs, spawnNodeProcess, stopNodeProcess } from "./lib/node-process.ts";
import type { BenchResult, Figure } from "./lib/results.ts";
import { summarize } from "./lib/stats.ts";

/** Knobs of {@link scaleBench}. */
export interface ScaleBenchOptions {
  /** Agents deployed in all (default 100,000). */
  agents?: number;
  /** Agents left awake (default 1,000). */
  awake?: number;
  /** HTTP requests in flight while deploying, hibernating and calling (default 8). */
  concurrency?: number;
  /** Sleeping agents woken for the latency figure (default 500). */
  wakes?: number;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const MiB = 1 << 20;

/** The resident set of a process, in bytes (Linux `/proc/<pid>/status`). */
async function rssOf(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = Number(status.match(/VmRSS:\s+(\d+)\s+kB/)?.[1]);
  if (!(kb > 0)) throw new Error(`no VmRSS for process ${pid}`);
  return kb * 1024;
}

/** Runs `job(i)` for i in [from, to) with `concurrency` in flight; resolves when all are done. */
async function pool(
  from: number,
  to: number,
  concurrency: number,
  job: (i: number) => Promise<void>,
): Promise<void> {
  let next = from;
  const lane = async () => {
    while (next < to) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, to - from) }, lane));
}

/** Issue 14's serverless-scale benchmark (see the module doc). */
export async function scaleBench(opts: ScaleBenchOptions = {}): Promise<BenchResult> {
  const n = opts.agents ?? 100_000;
  const awake = Math.min(opts.awake ?? 1000, n);
  const conc = opts.concurrency ?? 8;
  const wakes = Math.min(opts.wakes ?? 500, n - awake);
  await ensureAgentBuilds(["tiny"]);
  const bytes = await Deno.readFile(new URL("../agents/dist/tiny.wasm", import.meta.url));
  const dataDir = await Deno.makeTempDir({ prefix: "fipa-edge-bench-scale-" });
  const profileDir = Deno.env.get("BENCH_SCALE_PROFILE_DIR");
  const node = await spawnNodeProcess({
    name: "scale",
    dataDir,
    denoFlags: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
  });
  const pid = node.child.pid;
  const api = `${node.url}/api/v1`;
  const deploy = async (name: string, asleep = false) => {
    const form = new FormData();
    form.append("wasm", new Blob([bytes as BlobPart]), "tiny.wasm");
    form.append(
      "config",
      JSON.stringify({
        name,
        // Only explicit hibernation: the figures must not depend on idle timers.
        hibernate_after_seconds: 0,
        limits: { send_rate: 1_000_000, send_burst: 1_000_000 },
        ...(asleep ? { start: "on-message" } : {}),
      }),
    );
    const res = await fetch(`${api}/agents`, { method: "POST", body: form });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`deploy ${name}: ${res.status} ${text.slice(0, 300)}`);
  };
  const post = async (path: string, body?: unknown) => {
    const res = await fetch(`${api}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${text.slice(0, 300)}`);
    return text;
  };
  const call = async (name: string) => {
    const t0 = performance.now();
    await post("/messages/send-and-wait", {
      performative: "request",
      receiver: name,
      content: "ping",
    });
    return performance.now() - t0;
  };
  const step = (what: string, t0: number) =>
    console.error(`  scale: ${what} (${Math.round((performance.now() - t0) / 1000)} s)`);
  try {
    await deploy("warm");
    await call("warm");
    const rss0 = await rssOf(pid);
    const first = Math.min(1000, n);
    // 1,000 agents one after the other, then (if n allows) 1,000 more in parallel.
    let t0 = performance.now();
    for (let i = 0; i < first; i++) await deploy(`a${i}`);
    const seqMs = performance.now() - t0;
    const rss1000 = await rssOf(pid);
    step(`${first} sequential deploys`, t0);
    t0 = performance.now();
    const second = Math.min(2000, n);
    await pool(first, second, conc, (i) => deploy(`a${i}`));
    const parMs = second > first ? performance.now() - t0 : NaN;
    step(`${second - first} concurrent deploys`, t0);
    // The first `second - awake` hibernated (oldest first), so that at most `awake` stay awake.
    t0 = performance.now();
    let hibernated = 0;
    const hibernateUpTo = async (deployed: number) => {
      const until = deployed - awake;
      const from = hibernated;
      if (until <= from) return;
      hibernated = until;
      await pool(from, until, conc, async (i) => {
        await post(`/agents/a${i}/hibernate`);
      });
    };
    await hibernateUpTo(second);
    const rssBase = await rssOf(pid);
    // A sample the old way, in small batches (at most `awake` + `batch` agents awake): deploy
    // awake, then hibernate. The `awake` deployed last stay awake.
    const batch = 100;
    const oldN = Math.max(0, Math.min(1000, n - second));
    const awakeEnd = second + oldN;
    let cpu0 = processCpuMs(pid);
    let t1 = performance.now();
    for (let d = second; d < awakeEnd; d += batch) {
      await pool(d, Math.min(awakeEnd, d + batch), conc, (i) => deploy(`a${i}`));
      await hibernateUpTo(Math.min(awakeEnd, d + batch));
    }
    const oldMs = performance.now() - t1;
    const oldCpu = processCpuMs(pid) - cpu0;
    // The rest asleep: registered (directory, record, component), never activated.
    cpu0 = processCpuMs(pid);
    t1 = performance.now();
    await pool(awakeEnd, n, conc, (i) => deploy(`a${i}`, true));
    const asleepN = n - awakeEnd;
    const asleepMs = performance.now() - t1;
    const asleepCpu = processCpuMs(pid) - cpu0;
    const restMs = performance.now() - t0;
    step(`deploy up to ${n} (${asleepN} asleep)`, t0);
    const deployAllMs = seqMs + (Number.isNaN(parMs) ? 0 : parMs) + restMs;
    const rssAll = await rssOf(pid);
    // The sleepers: hibernated, or never started; the awake ones are [awakeEnd - awake, awakeEnd).
    const sleepers: number[] = [];
    for (let i = 0; i < n; i++) if (i < awakeEnd - awake || i >= awakeEnd) sleepers.push(i);
    // Wake latency: sleepers (spread over all of them) vs awake ones.
    const awakeMs: number[] = [];
    for (let i = 0; i < 200; i++) awakeMs.push(await call(`a${awakeEnd - 1 - (i % awake)}`));
    const wakeMs: number[] = [];
    const stride = Math.max(1, Math.floor(sleepers.length / Math.max(1, wakes)));
    for (let k = 0; k < wakes; k++) wakeMs.push(await call(`a${sleepers[k * stride]}`));
    // Every agent answers; the sleepers (woken by the call) go back to sleep a batch at a
    // time, so that no more than `awake` + `batch` + `wakes` are awake at once.
    t0 = performance.now();
    let answered = 0;
    const answer = async (i: number) => {
      await call(`a${i}`);
      answered++;
    };
    for (let d = 0; d < sleepers.length; d += batch) {
      const part = sleepers.slice(d, d + batch);
      await pool(0, part.length, conc, (k) => answer(part[k]));
      await pool(0, part.length, conc, async (k) => {
        await post(`/agents/a${part[k]}/hibernate`);
      });
    }
    await pool(awakeEnd - awake, awakeEnd, conc, answer);
    step(`all ${n} answered`, t0);
    const rssEnd = await rssOf(pid);
    const wake = summarize(wakeMs);
    const hot = summarize(awakeMs);
    const figures: Figure[] = [
      {
        name: "time to create 1,000 agents over HTTP (sequential POST /api/v1/agents)",
        value: seqMs,
        unit: "ms",
        baseline: {
          name: "JADE 4.6.5, 1,000 agents in process (issue 14)",
          value: 695,
          unit: "ms",
        },
        ratio: seqMs / 695,
        goal: "≤ 2,000 ms",
        note: `${r3(seqMs / first)} ms per agent; the same component every time`,
      },
      {
        name: `time to create 1,000 agents over HTTP (${conc} requests in flight)`,
        value: parMs,
        unit: "ms",
        baseline: { name: "the sequential figure above", value: seqMs, unit: "ms" },
        ratio: parMs / seqMs,
        goal: "≤ 2,000 ms",
      },
      {
        name: "RSS per idle tiny agent, 1,000 awake agents in one node (process RSS delta)",
        value: (rss1000 - rss0) / 1024 / first,
        unit: "KiB",
        baseline: { name: "JADE 4.6.5 per idle agent (issue 14)", value: 158, unit: "KiB" },
        ratio: (rss1000 - rss0) / 1024 / first / 158,
        goal: "≤ 2× JADE (316 KiB)",
        note: `node RSS ${Math.round(rss0 / MiB)} MiB → ${Math.round(rss1000 / MiB)} MiB`,
      },
      {
        name: `deploy ${n} tiny agents (same component) over HTTP, ${awake} left awake`,
        value: deployAllMs / 1000,
        unit: "s",
        goal: "100,000 in ≤ 120 s",
        note: `${r3(deployAllMs / n)} ms per agent; ${asleepN} deployed asleep ` +
          `("start": "on-message"); the first ${awakeEnd} deployed awake, ` +
          `${Math.max(0, awakeEnd - awake)} of them then hibernated`,
      },
      {
        name: `deploy one tiny agent asleep ("start": "on-message"), ${conc} in flight: ` +
          `node CPU per deploy`,
        value: asleepN > 0 ? asleepCpu / asleepN : NaN,
        unit: "ms",
        baseline: {
          name: `deploy, then hibernate (${oldN} agents, same run): node CPU per agent`,
          value: oldN > 0 ? oldCpu / oldN : NaN,
          unit: "ms",
        },
        ratio: asleepN > 0 && oldN > 0 ? (asleepCpu / asleepN) / (oldCpu / oldN) : NaN,
        goal: "≤ 1.2 ms per deploy",
        note: `wall per agent: ${r3(asleepMs / asleepN)} ms asleep, ${r3(oldMs / oldN)} ms ` +
          `deploy then hibernate (process CPU, all threads, ticks of 10 ms)`,
      },
      {
        name: `node RSS with ${n} agents deployed, ${awake} awake`,
        value: rssAll / MiB,
        unit: "MiB",
        baseline: { name: "node RSS with one agent", value: rss0 / MiB, unit: "MiB" },
        ratio: rssAll / rss0,
        goal: "≤ 2,048 MiB at 100,000",
        note: `after every agent answered once (each sleeper woken, then hibernated again): ` +
          `${Math.round(rssEnd / MiB)} MiB`,
      },
      {
        name: "RSS per sleeping tiny agent (node RSS growth past 1,000 awake, per agent)",
        value: n > first ? (rssAll - rss1000) / 1024 / (n - first) : NaN,
        unit: "KiB",
        goal: "≤ 18 KiB (2 GB at 100,000 with 1,000 awake at 316 KiB)",
        note: `an upper bound: (RSS with ${n} deployed, ${awake} awake − RSS with ${first} ` +
          `awake) / ${n - first}; ${second} were awake at once on the way and Worker heaps do ` +
          `not give memory back (RSS with ${second} deployed, ${awake} awake: ` +
          `${Math.round(rssBase / MiB)} MiB); ${oldN} deployed and hibernated ${batch} at a ` +
          `time, ${asleepN} deployed asleep`,
      },
      {
        name: "wake a sleeping tiny agent by a message (HTTP send-and-wait), p50",
        value: wake.p50,
        unit: "ms",
        baseline: { name: "the same call to an awake agent (p50)", value: hot.p50, unit: "ms" },
        ratio: wake.p50 / hot.p50,
        goal: "p50 ≤ 2 ms",
        note: `p90 ${r3(wake.p90)} ms, p99 ${r3(wake.p99)} ms, n=${wake.n}; awake p99 ` +
          `${r3(hot.p99)} ms; every one of the ${n} agents answered (${answered})`,
      },
    ];
    return { id: "scale", title: `Many agents, few awake (${n} agents, ${awake} awake)`, figures };
  } finally {
    await stopNodeProcess(node, 20_000);
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}
