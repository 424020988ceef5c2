import type { MiddlewareHandler } from "hono";
import type { NodeMetrics } from "../metrics/mod.ts";
import type { AppEnv } from "./env.ts";

/**
 * Counts requests and observes their duration by method and route pattern (`/api/v1/agents/:id`,
 * never the concrete path, so label cardinality stays bounded).
 *
 * Not an async function: the count is taken in the continuation of `next()` (an error that
 * reaches this far is counted, then rethrown), without an async frame of its own per request.
 */
export function httpMetrics(m: NodeMetrics): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const t0 = performance.now();
    const count = () => {
      m.http.record(
        c.req.method,
        c.req.routePath || "unmatched",
        c.res.status,
        (performance.now() - t0) / 1000,
      );
    };
    return next().then(count, (err) => {
      count();
      throw err;
    });
  };
}
