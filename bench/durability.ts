/**
 * Issue 11, durable agents: at-least-once throughput of the tiny and the ComponentizeJS
 * counter (each message made durable by a checkpoint before it counts as handled) against
 * at-most-once to the same agent in the same run; checkpoint bytes and time per message;
 * and the latency of one at-least-once message from its delivery to handled (its checkpoint
 * committed), p50 (the API's 202 comes before: the outbox write). In process, one node, 64 messages in flight.
 * @module
 */
import { aid } from "../runtime/acl/mod.ts";
import type { NodeMetrics } from "../runtime/metrics/mod.ts";
import { newMessageId } from "../runtime/routing/mod.ts";
import type { BenchResult, Figure } from "./lib/results.ts";
import { summarize } from "./lib/stats.ts";
import { prober, startBenchNode } from "./lib/bench-node.ts";

const DIST = new URL("../agents/dist/", import.meta.url);
const IN_FLIGHT = 64;

/** Checkpoints, bytes and seconds the node's metrics counted so far. */
async function checkpointTotals(m: NodeMetrics): Promise<{ c: number; b: number; s: number }> {
  return {
    c: (await m.checkpoints.get()).values[0]?.value ?? 0,
    b: (await m.checkpointBytes.get()).values[0]?.value ?? 0,
    s: (await m.checkpointSeconds.get()).values.find((v) => v.metricName?.endsWith("_sum"))
      ?.value ?? 0,
  };
}

/** Runs the benchmark. */
export async function durabilityBench(o: { messages?: number } = {}): Promise<BenchResult> {
  const n = o.messages ?? 2000;
  const b = await startBenchNode({ name: "dur" });
  const node = b.node;
  const sink = node.router.register("sink", { deliver: () => {} });
  const probe = prober(node, "probe");
  const figures: Figure[] = [];
  try {
    for (
      const [file, name, count] of [
        ["tiny-counter.wasm", "tiny", n],
        ["counter.wasm", "cjs", Math.max(200, n / 4)],
      ] as const
    ) {
      await b.deploy(await Deno.readFile(new URL(file, DIST)), name);
      const send = (mode: "at-most-once" | "at-least-once") =>
        node.router.route({
          message_id: newMessageId(),
          accepted_at: new Date().toISOString(),
          origin: "http",
          mode,
          message: {
            performative: "request",
            sender: aid(`sink@${node.platform}`),
            receivers: [aid(name)],
            content: "inc",
          },
        });
      const run = async (mode: "at-most-once" | "at-least-once") => {
        let next = 0;
        const t0 = performance.now();
        await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
          while (next++ < count) await send(mode);
        }));
        await probe.ask(name); // in order after every message: all handled
        return count / ((performance.now() - t0) / 1000);
      };
      await run("at-most-once"); // warm-up
      const most = await run("at-most-once");
      const m = node.metrics;
      const before = await checkpointTotals(m);
      const least = await run("at-least-once");
      const after = await checkpointTotals(m);
      const ckpts = after.c - before.c;
      const goal = name === "tiny" ? 0.3 : 0.1;
      figures.push({
        name: `${name} counter: at-least-once messages/s (${IN_FLIGHT} in flight)`,
        value: Math.round(least),
        unit: "msg/s",
        baseline: { name: "at-most-once, same agent", value: Math.round(most), unit: "msg/s" },
        ratio: least / most,
        goal: `>= ${goal}x`,
        note: `${ckpts} checkpoints for ${count} messages (${
          (count / ckpts).toFixed(1)
        } per checkpoint)`,
      });
      figures.push({
        name: `${name} counter: checkpoint bytes per message`,
        value: Math.round((after.b - before.b) / count),
        unit: "B",
        note: `${Math.round((after.b - before.b) / Math.max(1, ckpts))} B per checkpoint`,
      });
      figures.push({
        name: `${name} counter: checkpoint time per message`,
        value: Math.round(((after.s - before.s) * 1e6) / count),
        unit: "µs",
        note: `${Math.round(((after.s - before.s) * 1e6) / Math.max(1, ckpts))} µs per checkpoint`,
      });
      // One at a time: accepted → handled and its checkpoint committed.
      const lat: number[] = [];
      for (let i = 0; i < 100; i++) {
        const t0 = performance.now();
        await send("at-least-once");
        lat.push((performance.now() - t0) * 1000);
      }
      const s = summarize(lat);
      figures.push({
        name: `${name} counter: at-least-once accepted → handled (durable), p50`,
        value: Math.round(s.p50),
        unit: "µs",
        note: `p99 ${Math.round(s.p99)} µs (delivery, handling, checkpoint commit)`,
      });
    }
  } finally {
    probe.close();
    sink();
    await b.stop();
  }
  return { id: "durability", title: "Durable agents (issue 11)", figures };
}
