/**
 * Timer lateness of agents' durable timers: 1,000 timers pending at once (10 per agent over
 * 100 agents, due over ~2 s), the changed tables written to a real Deno KV in batches (as
 * the node does), against the same
 * 1,000 bare `setTimeout`s measured in the same run. Lateness = when the timer's `fire`
 * began minus its due time. (The `on-timer` call into the agent's Worker that follows is an
 * agent call, measured by the `agents` benchmark.)
 */
import { REAL_TIMERS } from "../runtime/async/mod.ts";
import { saveTimerTables } from "../runtime/agents/agent-timers.ts";
import { DurableTimers } from "../runtime/timers/mod.ts";
import type { BenchResult } from "./lib/results.ts";
import { summarize } from "./lib/stats.ts";

const now = () => performance.timeOrigin + performance.now();

/** Due times: `n` timers spread over `spreadMs`, starting `leadMs` from now. */
function dueTimes(n: number, leadMs: number, spreadMs: number): number[] {
  const t0 = now() + leadMs;
  return Array.from({ length: n }, (_, i) => t0 + (i * spreadMs) / n);
}

async function bareLateness(n: number): Promise<number[]> {
  const due = dueTimes(n, 300, 2000);
  const late: number[] = [];
  await new Promise<void>((done) => {
    for (const d of due) {
      setTimeout(() => {
        late.push(now() - d);
        if (late.length === n) done();
      }, Math.max(0, d - now()));
    }
  });
  return late;
}

/** How the changed tables reach KV: one atomic per batch (the node's way) or one write each. */
type SaveMode = "batched" | "per-table";

async function durableLateness(n: number, mode: SaveMode): Promise<number[]> {
  const dir = await Deno.makeTempDir({ prefix: "fipa-bench-timers-" });
  const kv = await Deno.openKv(`${dir}/timers.kv`);
  const late: number[] = [];
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const timers = new DurableTimers({
    timers: REAL_TIMERS,
    now,
    max: 1_000,
    save: (tables) =>
      mode === "batched" ? saveTimerTables(kv, tables) : Promise.all(
        [...tables].map(([name, table]) =>
          table ? kv.set(["agent-timers", name], table) : kv.delete(["agent-timers", name])
        ),
      ).then(() => {}),
    fire: (_agent, t) => {
      late.push(now() - t.dueAtMs);
      if (late.length === n) done();
      return Promise.resolve();
    },
  });
  try {
    const due = dueTimes(n, 300, 2000);
    due.forEach((d, i) => {
      const r = timers.set(`agent-${i % 100}@bench`, { tag: `t${i}`, dueAtMs: d });
      if (!r.ok) throw new Error(r.error);
    });
    await all;
    await timers.close();
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
  return late;
}

/** Runs the timer lateness benchmark (`n` timers pending, `rounds` rounds each). */
export async function timersBench(
  opts: { n?: number; rounds?: number } = {},
): Promise<BenchResult> {
  const n = opts.n ?? 1_000;
  const rounds = opts.rounds ?? 3;
  const bare: number[] = [];
  const ours: number[] = [];
  const perTable: number[] = [];
  for (let r = 0; r < rounds; r++) {
    bare.push(...await bareLateness(n));
    ours.push(...await durableLateness(n, "batched"));
    perTable.push(...await durableLateness(n, "per-table"));
  }
  const b = summarize(bare);
  const o = summarize(ours);
  const pt = summarize(perTable);
  const fig = (q: "p50" | "p99", goal: string) => ({
    name: `durable timer lateness ${q}, ${n} pending`,
    value: round(o[q]),
    unit: "ms",
    baseline: {
      name: `bare setTimeout lateness ${q}, ${n} pending`,
      value: round(b[q]),
      unit: "ms",
    },
    ratio: round(o[q] / Math.max(b[q], 0.001)),
    goal,
    note: `${rounds} rounds of ${n} timers over 100 agents, due over 2 s, tables in Deno KV; ` +
      `ratio = ours / bare (lower is better); max ${o.max.toFixed(2)} ms (bare ${
        b.max.toFixed(2)
      } ms)`,
  });
  return {
    id: "timers",
    title: "Agents' durable timers: lateness",
    figures: [fig("p50", "≤ 2 ms"), fig("p99", "≤ 20 ms"), {
      name: `durable timer lateness p99, ${n} pending, tables written in batches`,
      value: round(o.p99),
      unit: "ms",
      baseline: {
        name: "the same with one KV write per changed table (before batching)",
        value: round(pt.p99),
        unit: "ms",
      },
      ratio: round(o.p99 / Math.max(pt.p99, 0.001)),
      note: `same run; p50 ${o.p50.toFixed(2)} ms vs ${pt.p50.toFixed(2)} ms; ` +
        `lower is better`,
    }],
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
