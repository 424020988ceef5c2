/**
 * Issue 8, the cost of observability on the HTTP → agent path: the same server (Hono app,
 * router, agent manager, sandbox, tiny echo) built without metrics, with the node's
 * Prometheus metrics, with metrics plus a subscriber to every event (what `/ws` costs),
 * and with metrics plus the ConversationService (protocol checks and the message history),
 * under the same wrk load in one run; and, in-process, what the per-request
 * metric updates and the trace id cost against the time one request takes.
 * @module
 */
import { createNodeMetrics } from "../runtime/metrics/mod.ts";
import { newTraceId } from "../runtime/http/trace.ts";
import { ensureAgentBuilds } from "./lib/agent-builds.ts";
import type { BenchResult, Figure } from "./lib/results.ts";
import { throughput } from "./lib/stats.ts";
import { compareServers } from "./lib/wrk-compare.ts";
import { SAMPLE_CONTENT } from "./lib/sample-content.ts";

const SERVER = new URL("./servers/observed.ts", import.meta.url);

/** Knobs of {@link observabilityBench}. */
export interface ObservabilityBenchOptions {
  seconds?: number;
  rounds?: number;
}

/** µs per request of the metric updates the HTTP → agent → reply path makes. */
function metricUpdatesUs(): number {
  const m = createNodeMetrics("bench");
  const ops = throughput(() => {
    m.http.record("POST", "/api/v1/messages/send-and-wait", 200, 0.0012);
    m.messagesIn.inc({ performative: "request", source: "local" });
    m.messageLatency.observe({ agent_kind: "wasm" }, 0.00021);
    m.messagesOut.inc({ performative: "inform", destination: "local" });
    return 1;
  }, 1000);
  return 1e6 / ops;
}

/** µs per `newTraceId()` (the trace-id middleware makes one per request without a header). */
function traceIdUs(): number {
  return 1e6 / throughput(() => (newTraceId(), 1), 1000);
}

/** Runs the observability benchmark; about a minute with the defaults. */
export async function observabilityBench(
  opts: ObservabilityBenchOptions = {},
): Promise<BenchResult> {
  await ensureAgentBuilds(["tiny"]);
  const seconds = opts.seconds ?? 5;
  const rounds = opts.rounds ?? 3;
  const body = JSON.stringify({
    performative: "request",
    receiver: "echo",
    content: SAMPLE_CONTENT,
    language: "json",
  });
  const variants = ["none", "metrics", "metrics+events", "metrics+history"];
  const r = await compareServers(
    variants.map((v) => ({ name: v, script: SERVER, args: [v] })),
    { path: "/api/v1/messages/send-and-wait", body },
    { seconds, rounds },
  );
  const metricsUs = metricUpdatesUs();
  const traceUs = traceIdUs();
  const base = { name: "same server without metrics", value: r.none.rps, unit: "req/s" };
  const perRequestUs = 1e6 / r.none.rps;
  const perReq = {
    name: "CPU time of one request without metrics (1 / req/s, server on one CPU)",
    value: perRequestUs,
    unit: "µs",
  };
  const lat = (k: string) => `p50 ${r[k].p50Ms} ms, p99 ${r[k].p99Ms} ms`;
  const figures: Figure[] = [
    {
      name: "send-and-wait → tiny echo, with Prometheus metrics (HTTP middleware + agent metrics)",
      value: r.metrics.rps,
      unit: "req/s",
      baseline: base,
      ratio: r.metrics.rps / r.none.rps,
      note: `${lat("metrics")} (without: ${lat("none")}); best of ${rounds}×${seconds} s, ` +
        `server on CPU 0, wrk (64 connections) on CPU 1`,
    },
    {
      name: "same, with metrics and a subscriber serializing every event (as /ws does)",
      value: r["metrics+events"].rps,
      unit: "req/s",
      baseline: base,
      ratio: r["metrics+events"].rps / r.none.rps,
      note: lat("metrics+events"),
    },
    {
      name: "same, with metrics and the ConversationService (protocol checks + message history)",
      value: r["metrics+history"].rps,
      unit: "req/s",
      baseline: base,
      ratio: r["metrics+history"].rps / r.none.rps,
      goal: "the service costs ≤ 5 %: ≥ 0.95 of the metrics row's req/s",
      note: `${lat("metrics+history")}; ${
        (r["metrics+history"].rps / r.metrics.rps).toFixed(3)
      } of the metrics row's req/s; the node always runs it (GET /api/v1/messages)`,
    },
    {
      name: "metric updates of one request (2 counters + 1 histogram HTTP, 2 counters + 1 " +
        "histogram agent), in-process",
      value: metricsUs,
      unit: "µs",
      baseline: perReq,
      ratio: metricsUs / perRequestUs,
      note: "ratio = share of a request's CPU time",
    },
    {
      name: "trace id of one request (newTraceId: 16 random bytes as hex), in-process",
      value: traceUs,
      unit: "µs",
      baseline: perReq,
      ratio: traceUs / perRequestUs,
      note: "the trace-id middleware is always on (no knob); there is no span tracing yet",
    },
  ];
  return {
    id: "observability",
    title: "Observability: cost of metrics, events and trace ids on HTTP → agent",
    figures,
  };
}
