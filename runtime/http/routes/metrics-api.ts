import { z } from "zod";
import type { AgentManager } from "../../agents/mod.ts";
import {
  histogramQuantileMs,
  type HistogramValue,
  type MetricsSeries,
  type NodeMetrics,
  readMetrics,
} from "../../metrics/mod.ts";
import type { App } from "../env.ts";
import { defineRoute } from "../route.ts";
import { errorResponses } from "../schemas.ts";

async function sum(
  m: { get(): Promise<{ values: { value: number }[] }> | { values: { value: number }[] } },
) {
  return (await m.get()).values.reduce((s, v) => s + v.value, 0);
}

/**
 * Mounts `GET /api/v1/metrics/system` and `GET /api/v1/metrics/agents/{id}` (Caxton shapes),
 * and with a series `GET /api/v1/metrics/series` (this node's recent throughput and latency).
 */
export function metricsApiRoutes(
  app: App,
  deps: { metrics: NodeMetrics; agents?: AgentManager; series?: MetricsSeries },
): void {
  const { metrics, agents, series } = deps;
  let last = { at: Date.now(), processed: 0 };
  const Any = {
    description: "Metrics",
    content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
  };
  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/metrics/system",
      summary: "System-wide metrics of this node",
      responses: { 200: Any, ...errorResponses(401, 429) },
    },
    async (c) => {
      for (const f of metrics.collectors) await f();
      const byState = agents?.stats().byState ?? {};
      const total = Object.values(byState).reduce((a, b) => a + b, 0);
      const processed = await sum(metrics.messagesIn);
      const now = Date.now();
      const rate = now > last.at ? ((processed - last.processed) * 1000) / (now - last.at) : 0;
      last = { at: now, processed };
      const lat = (await metrics.messageLatency.get()).values as HistogramValue[];
      const mem = Deno.memoryUsage();
      const sys = Deno.systemMemoryInfo();
      const mailbox = Object.values(agents?.stats().mailbox ?? {}).reduce((a, b) => a + b, 0);
      return c.json({
        timestamp: new Date(now).toISOString(),
        agents: {
          total,
          running: byState.running ?? 0,
          failed: byState.failed ?? 0,
          hibernated: byState.hibernated ?? 0,
          by_state: byState,
        },
        messages: {
          total_processed: processed,
          total_sent: await sum(metrics.messagesOut),
          rate_per_second: Math.round(rate * 10) / 10,
          queue_size: mailbox,
          dead_letters: await sum(metrics.deadLetters),
        },
        resources: {
          memory_used_mb: Math.round(mem.rss / 1048576),
          heap_used_mb: Math.round(mem.heapUsed / 1048576),
          memory_available_mb: Math.round(sys.available / 1024 / 1024),
          memory_total_mb: Math.round(sys.total / 1024 / 1024),
          load_average: Deno.loadavg(),
        },
        performance: {
          message_latency_p50: histogramQuantileMs(lat, 0.5),
          message_latency_p99: histogramQuantileMs(lat, 0.99),
        },
      });
    },
  );
  if (series) {
    defineRoute(
      app,
      {
        method: "get",
        path: "/api/v1/metrics/series",
        summary: "This node's messages per second and p50/p99 handling latency, last 15 minutes",
        description:
          "One point per sampling interval (10 s), oldest first, kept in memory (not across " +
          "restarts); the last point (partial: true) runs from the last sample to now.",
        responses: { 200: Any, ...errorResponses(401, 429) },
      },
      async (c) => c.json(series.view(await readMetrics(metrics, Date.now()))),
    );
  }
  if (!agents) return;
  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/metrics/agents/{id}",
      summary: "Metrics of one agent on this node",
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: Any, ...errorResponses(401, 404, 429) },
    },
    (c) => {
      const v = agents.get(c.req.valid("param").id);
      return c.json({
        agent_id: v.agent_id,
        name: v.name,
        status: v.status,
        period: "since activation",
        metrics: {
          messages_processed: v.metrics.messages_processed,
          messages_failed: v.metrics.messages_failed,
          average_latency_ms: v.metrics.average_latency_ms,
          mailbox_depth: v.metrics.mailbox_depth,
          restarts: v.metrics.restarts,
          uptime_seconds: v.metrics.uptime_seconds,
          memory_limit_bytes: v.resource_limits.memory,
        },
        ...(v.failure
          ? {
            errors: [{
              timestamp: v.failure.at,
              error: v.failure.reason,
              message: v.failure.message,
            }],
          }
          : {}),
      });
    },
  );
}
