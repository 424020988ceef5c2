// The recent-metrics series: points from two readings (rate, latency quantiles of the
// bucket differences), the window bound, the partial last point, and the sampler shell
// driven by an injected clock and timer.
import assert from "node:assert/strict";
import {
  bucketQuantileMs,
  createNodeMetrics,
  type MetricsReading,
  MetricsSeries,
  pointBetween,
} from "../../../runtime/metrics/mod.ts";
import { startMetricsSampler } from "../../../runtime/node/metrics-sampler.ts";

const LE = [0.001, 0.01, 0.1, Infinity];
const reading = (at: number, messages: number, counts: number[]): MetricsReading => ({
  at,
  messages,
  latency: { le: LE, counts, count: counts[counts.length - 1] },
});

Deno.test("bucketQuantileMs: the upper bound of the bucket reaching the share; none: null", () => {
  const b = { le: LE, counts: [50, 99, 100, 100], count: 100 };
  assert.equal(bucketQuantileMs(b, 0.5), 1);
  assert.equal(bucketQuantileMs(b, 0.99), 10);
  assert.equal(bucketQuantileMs(b, 1), 100);
  assert.equal(bucketQuantileMs({ le: LE, counts: [0, 0, 0, 0], count: 0 }, 0.5), null);
  assert.equal(bucketQuantileMs({ le: LE, counts: [0, 0, 0, 4], count: 4 }, 0.5), null, "+Inf");
});

Deno.test("pointBetween: messages per second and quantiles of the interval only", () => {
  // Before: 10 fast messages. In the interval: 20 more, all between 10 and 100 ms.
  const p = pointBetween(reading(0, 10, [10, 10, 10, 10]), reading(10_000, 30, [10, 10, 30, 30]));
  assert.deepEqual(p, {
    t: "1970-01-01T00:00:10.000Z",
    seconds: 10,
    messages: 20,
    messages_per_s: 2,
    p50_ms: 100,
    p99_ms: 100,
  });
  const idle = pointBetween(reading(0, 5, [5, 5, 5, 5]), reading(10_000, 5, [5, 5, 5, 5]));
  assert.equal(idle.messages_per_s, 0);
  assert.equal(idle.p50_ms, null);
});

Deno.test("MetricsSeries: baseline first, one point per sample, window-bounded, partial last point", () => {
  const s = new MetricsSeries("n1", 10_000, 30_000); // 3 points
  assert.equal(s.capacity, 3);
  s.sample(reading(0, 0, [0, 0, 0, 0]));
  assert.deepEqual(s.view().points, [], "a baseline only");
  for (let i = 1; i <= 5; i++) {
    s.sample(reading(i * 10_000, i * 100, [i * 100, i * 100, i * 100, i * 100]));
  }
  const v = s.view();
  assert.equal(v.node, "n1");
  assert.equal(v.interval_seconds, 10);
  assert.equal(v.window_seconds, 30);
  assert.deepEqual(v.points.map((p) => p.t.slice(14, 19)), ["00:30", "00:40", "00:50"]);
  assert.ok(v.points.every((p) => p.messages_per_s === 10 && p.p50_ms === 1));
  const now = s.view(reading(55_000, 510, [510, 510, 510, 510])).points;
  assert.equal(now.length, 4);
  assert.deepEqual(now[3], {
    t: "1970-01-01T00:00:55.000Z",
    seconds: 5,
    messages: 10,
    messages_per_s: 2,
    p50_ms: 1,
    p99_ms: 1,
    partial: true,
  });
  assert.throws(() => new MetricsSeries("n", 0), /bad series interval 0/);
});

Deno.test("startMetricsSampler: reads the node's metrics at start and on every tick", async () => {
  const metrics = createNodeMetrics("n1");
  let now = 1_000;
  let tick: (() => void) | undefined;
  let cleared = false;
  const sampler = await startMetricsSampler("n1", metrics, {
    clock: {
      now: () => now,
      setInterval: (f, ms) => {
        assert.equal(ms, 10_000);
        tick = f;
        return 7;
      },
      clearInterval: (id) => {
        assert.equal(id, 7);
        cleared = true;
      },
    },
  });
  for (let i = 0; i < 4; i++) {
    metrics.messagesIn.inc({ performative: "request", source: "local" });
    metrics.messageLatency.observe({ agent_kind: "wasm" }, 0.002);
  }
  now = 11_000;
  await sampler.sample(); // what tick() starts
  assert.ok(tick, "a timer was set");
  const [p] = sampler.series.view().points;
  assert.equal(p.messages, 4);
  assert.equal(p.messages_per_s, 0.4);
  assert.equal(p.p50_ms, 2.5);
  sampler.stop();
  assert.ok(cleared);
});
