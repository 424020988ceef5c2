/**
 * FIPA protocol benchmarks on an in-process node with tiny (WAT) agents:
 *
 * - conversation throughput: complete FIPA Request runs (`request` → `inform`, each a new
 *   conversation, checked by the conversation guard on both messages) per second against
 *   the tiny echo, 64 in flight; baseline: the same number of bare request/reply pairs
 *   (no protocol, no conversation id, so no tracking), in the same run.
 * - contract-net completion with 10 and 100 tiny bidders through the Task API (cfp to
 *   each, proposals, award, the winner's inform); baseline: one bare round trip to the
 *   same bidders (a `cfp` without protocol to each, all replies back); the same two as the
 *   process's CPU time per run (steadier than the p50s on a shared machine).
 * @module
 */
import type { RunningNode } from "../runtime/node/mod.ts";
import { CreateTaskSchema, DistributeSchema } from "../runtime/tasks/mod.ts";
import { watAgentBytes } from "../agents/build/mod.ts";
import { type BenchNode, prober, startBenchNode } from "./lib/bench-node.ts";
import { processRunMs } from "./lib/node-process.ts";
import type { BenchResult, Figure } from "./lib/results.ts";
import { summarize } from "./lib/stats.ts";

const IN_FLIGHT = 64;

/** Runs `op` with `inFlight` concurrent loops for `ms`; returns completed ops per second. */
async function rate(op: () => Promise<void>, ms: number, inFlight = IN_FLIGHT): Promise<number> {
  let done = 0;
  const until = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < until) {
        await op();
        done++;
      }
    }),
  );
  return (done * 1000) / (performance.now() - t0);
}

async function conversationThroughput(node: RunningNode, seconds: number): Promise<Figure> {
  const c = prober(node, "bench-client");
  const ask = (protocol?: string) => async () => {
    await c.ask("echo", { conversation: protocol !== undefined, protocol });
  };
  try {
    const bare = ask();
    const full = ask("fipa-request");
    await rate(bare, 300);
    await rate(full, 300);
    let best = { bare: 0, full: 0 };
    for (let i = 0; i < 2; i++) {
      const b = await rate(bare, seconds * 500);
      const f = await rate(full, seconds * 500);
      best = { bare: Math.max(best.bare, b), full: Math.max(best.full, f) };
    }
    return {
      name: "FIPA Request conversations (request → inform, tracked) per second, tiny echo",
      value: best.full,
      unit: "runs/s",
      baseline: { name: "bare request/reply pairs (untracked)", value: best.bare, unit: "pairs/s" },
      ratio: best.full / best.bare,
      goal: "≥ 0.8; ≥ 33,317 runs/s (JADE 4.6.5 on the issue's machine)",
      note: `${IN_FLIGHT} in flight, in process (router, guard, sandbox); best of 2`,
    };
  } finally {
    c.close();
  }
}

/** Contract nets run first and left out of the figures (JIT, first Workers, first writes). */
const WARM_UP_RUNS = 5;

async function contractNet(bench: BenchNode, bidders: number, runs: number): Promise<Figure[]> {
  const node = bench.node;
  const names = Array.from({ length: bidders }, (_, i) => `tb${bidders}-${10 + i}`);
  const bytes = await watAgentBytes("tiny-bidder");
  for (const n of names) await bench.deploy(bytes, n);
  const c = prober(node, `bench-cnet-${bidders}`);
  try {
    const samples: number[] = [];
    const bare: number[] = [];
    let cpu = 0;
    let bareCpu = 0;
    for (let i = 0; i < runs + WARM_UP_RUNS; i++) {
      const c0 = processRunMs(Deno.pid);
      const t0 = performance.now();
      const task = node.tasks.create(CreateTaskSchema.parse({ name: "b", participants: names }));
      const r = await node.tasks.distribute(
        task.task_id,
        DistributeSchema.parse({ max_wait_seconds: 30, wait_for_result: true }),
      );
      const ms = performance.now() - t0;
      const c1 = processRunMs(Deno.pid);
      if (r.status !== "completed" || r.assigned_to !== `${names[0]}@${node.platform}`) {
        throw new Error(`contract net with ${bidders} bidders: ${JSON.stringify(r)}`);
      }
      const b0 = performance.now();
      await Promise.all(names.map((n) => c.ask(n, { performative: "cfp", conversation: false })));
      const bms = performance.now() - b0;
      if (i >= WARM_UP_RUNS) {
        samples.push(ms);
        bare.push(bms);
        cpu += c1 - c0;
        bareCpu += processRunMs(Deno.pid) - c1;
      }
    }
    const s = summarize(samples);
    const b = summarize(bare);
    return [{
      name: `contract net with ${bidders} tiny bidders, Task API to the winner's inform (p50)`,
      value: s.p50,
      unit: "ms",
      baseline: {
        name: `one bare cfp round to the ${bidders} bidders (p50)`,
        value: b.p50,
        unit: "ms",
      },
      ratio: s.p50 / b.p50,
      ...(bidders >= 100 ? { goal: "≤ 3" } : {}),
      note: `${runs} runs after ${WARM_UP_RUNS} warm-up runs; p90 ${
        s.p90.toFixed(1)
      } ms; ratio > 1 is the cost of the protocol`,
    }, {
      name: `contract net with ${bidders} tiny bidders, CPU time per contract net`,
      value: cpu / runs,
      unit: "ms",
      baseline: {
        name: `CPU time per bare cfp round to the ${bidders} bidders`,
        value: bareCpu / runs,
        unit: "ms",
      },
      ratio: cpu / bareCpu,
      ...(bidders >= 100 ? { goal: "≤ 3" } : {}),
      note:
        `the process's CPU (all threads' run time, /proc schedstat) summed over the ${runs} runs; ` +
        "steadier than the p50s on a shared machine",
    }];
  } finally {
    c.close();
  }
}

/** The protocol benchmarks (see the module doc). */
export async function protocolsBench(
  opts: { seconds?: number; runs?: number } = {},
): Promise<BenchResult> {
  const bench = await startBenchNode({ name: "bench-protocols" });
  try {
    await bench.deploy(await watAgentBytes("tiny"), "echo");
    const figures: Figure[] = [await conversationThroughput(bench.node, opts.seconds ?? 3)];
    figures.push(...await contractNet(bench, 10, opts.runs ?? 30));
    figures.push(...await contractNet(bench, 100, opts.runs ?? 30));
    return { id: "protocols", title: "FIPA protocols: conversations and contract nets", figures };
  } finally {
    await bench.stop();
  }
}

if (import.meta.main) {
  console.log(JSON.stringify(await protocolsBench(), null, 2));
}
