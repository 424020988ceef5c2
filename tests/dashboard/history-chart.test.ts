// The dashboard's model for what happened before the page opened: message history as
// events and conversations, and the throughput/latency chart of the metrics series.
import assert from "node:assert/strict";
import {
  chartModel,
  fromHistory,
  historyEvent,
  niceMax,
  spanLabel,
} from "../../runtime/dashboard/assets/model.js";

const entry = (i: number, conversation?: string) => ({
  message_id: `m${i}`,
  timestamp: `2026-01-02T03:04:0${i}.000Z`,
  performative: i % 2 ? "inform" : "request",
  sender: i % 2 ? { name: "echo@n1" } : "client",
  receiver: i % 2 ? "client@n1" : ["echo", { name: "other@n1" }],
  ...(conversation ? { conversation_id: conversation } : {}),
});

Deno.test("historyEvent: a history entry reads like the message event of it", () => {
  assert.deepEqual(historyEvent(entry(2, "c1"), "n1"), {
    type: "message.routed",
    timestamp: "2026-01-02T03:04:02.000Z",
    node: "n1",
    message_id: "m2",
    from: "client",
    to: ["echo", "other@n1"],
    performative: "request",
    conversation_id: "c1",
  });
  assert.deepEqual(historyEvent(entry(1), "n1").to, ["client@n1"]);
});

Deno.test("fromHistory: lines newest first, conversations folded oldest first", () => {
  // GET /api/v1/messages?order=desc: newest first.
  const page = { messages: [entry(4, "c2"), entry(3, "c1"), entry(2, "c1"), entry(1)] };
  const h = fromHistory(page, "n1");
  assert.deepEqual(h.events.map((l) => l.time), [
    "03:04:04.000",
    "03:04:03.000",
    "03:04:02.000",
    "03:04:01.000",
  ]);
  assert.match(h.events[1].text, /echo@n1 → client@n1\s+inform\s+\[c1\]/);
  assert.deepEqual(h.conversations.map((c) => [c.id, c.messages, c.last]), [
    ["c2", 1, "request"],
    ["c1", 2, "inform"],
  ]);
  assert.deepEqual(h.conversations[1].performatives, ["request", "inform"]);
  assert.deepEqual(fromHistory(null, "n1"), { events: [], conversations: [] });
});

Deno.test("chartModel: steps over the covered span (a minute at least), axes rounded up, last figures", () => {
  const t0 = Date.parse("2026-01-02T03:00:00.000Z");
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  const series = {
    node: "n1",
    window_seconds: 900,
    points: [
      { t: at(890), seconds: 10, messages: 30, messages_per_s: 3, p50_ms: 1, p99_ms: 5 },
      { t: at(900), seconds: 10, messages: 70, messages_per_s: 7, p50_ms: 2, p99_ms: 25 },
    ],
  };
  const m = chartModel(series, { width: 900, height: 100 });
  assert.equal(m.maxRate, 10);
  assert.equal(m.maxLatency, 50);
  // 20 s of data: the axis spans the last minute (900 px for 60 s, from 840 s on); y:
  // 100 px = the axis maximum.
  assert.equal(m.spanSeconds, 60);
  assert.equal(m.rate, "600,70 750,70 750,30 900,30");
  assert.equal(m.p99, "600,90 750,90 750,50 900,50");
  assert.equal(m.p50, "600,98 750,98 750,96 900,96");
  assert.deepEqual(m.last, { messages_per_s: 7, p50_ms: 2, p99_ms: 25 });
  assert.deepEqual(m.latest, { t: at(900), p50_ms: 2, p99_ms: 25 });
  assert.equal(m.points, 2);
  // No latency in an idle interval: that point has no p50/p99 vertex.
  const idle = chartModel({
    points: [{ t: at(900), seconds: 10, messages_per_s: 0, p50_ms: null, p99_ms: null }],
  }, { width: 900, height: 100 });
  assert.equal(idle.p50, "");
  assert.equal(idle.rate, "750,100 900,100");
  assert.equal(idle.latest, null);
  // An idle last interval after traffic: the legend's latency is the latest busy point's.
  const after = chartModel({
    points: [series.points[0], { t: at(900), seconds: 10, messages_per_s: 0, p50_ms: null }],
  }, { width: 900, height: 100 });
  assert.deepEqual(after.last, { messages_per_s: 0, p50_ms: null, p99_ms: null });
  assert.deepEqual(after.latest, { t: at(890), p50_ms: 1, p99_ms: 5 });
  // More than the window covered: the axis is the window (15 minutes).
  const long = chartModel({
    window_seconds: 900,
    points: Array.from({ length: 91 }, (_, i) => ({
      t: at(i * 10),
      seconds: 10,
      messages_per_s: 1,
      p50_ms: 1,
      p99_ms: 1,
    })),
  }, { width: 900, height: 100 });
  assert.equal(long.spanSeconds, 900);
  // The oldest point began before the window: it is cut at its left edge.
  assert.ok(long.rate.startsWith("0,0 0,0 0,0 10,0 "), long.rate.slice(0, 40));
  assert.equal(chartModel(null, { width: 1, height: 1 }).points, 0);
});

Deno.test("spanLabel: seconds, minutes, both", () => {
  assert.deepEqual([45, 60, 150, 900].map(spanLabel), ["45 s", "1 min", "2 min 30 s", "15 min"]);
});

Deno.test("niceMax: 1, 2 or 5 times a power of ten at or above the value", () => {
  assert.deepEqual([0, 0.3, 1, 1.1, 3, 7, 12, 2500].map(niceMax), [1, 0.5, 1, 2, 5, 10, 20, 5000]);
});
