import type { MiddlewareHandler } from "hono";
import type { NodeMetrics } from "../metrics/mod.ts";
import type { AppEnv } from "./env.ts";

/**
 * Counts requests and observes their duration by method and route pattern (`/api/v1/agents/:id`,
 * never the concrete path, so label cardinality stays bounded).
 */
export function httpMetrics(m: NodeMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const t0 = performance.now();
    try {
      await next();
    } finally {
      const route = c.req.routePath || "unmatched";
      m.http.record(c.req.method, route, c.res.status, (performance.now() - t0) / 1000);
    }
  };
}
