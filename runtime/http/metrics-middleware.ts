import type { Context, ErrorHandler, MiddlewareHandler } from "hono";
import type { NodeMetrics } from "../metrics/mod.ts";
import type { AppEnv } from "./env.ts";

/**
 * Counts requests and observes their duration by method and route pattern (`/api/v1/agents/:id`,
 * never the concrete path, so label cardinality stays bounded).
 *
 * With `around` (the app-wide checks, `chain.ts`) and the app's `onError`, it is one Hono
 * middleware with them (each middleware of its own is one more async step per request): an
 * error `around` throws becomes its response through `onError` here, exactly as Hono would
 * one step out (setting `c.error` and `c.res`), and is counted with that response's status.
 * Not an async function either: the count is taken in the continuation of the request.
 */
export function httpMetrics(
  m: NodeMetrics,
  around?: { handler: MiddlewareHandler<AppEnv>; onError: ErrorHandler<AppEnv> },
): MiddlewareHandler<AppEnv> {
  if (!around) {
    return (c, next) => {
      const t0 = performance.now();
      const count = () => record(m, c, t0);
      return next().then(count, (err) => {
        count();
        throw err;
      });
    };
  }
  const { handler, onError } = around;
  return (c, next) => {
    const t0 = performance.now();
    const count = () => record(m, c, t0);
    const failed = async (err: unknown): Promise<void> => {
      // What Hono's compose does with a middleware's error: only an Error reaches `onError`.
      if (!(err instanceof Error)) throw err;
      c.error = err;
      c.res = await onError(err, c);
    };
    let out: Promise<Response | void>;
    try {
      out = handler(c, next);
    } catch (err) {
      out = failed(err);
    }
    return out.then(
      (res) => {
        // A response of the checks' own (a refusal) is Hono's to set: count its status.
        if (res instanceof Response && !c.finalized) c.res = res;
        count();
      },
      (err) => failed(err).then(count),
    );
  };
}

/** Counts the request of `c`, started at `t0` (`performance.now()`), with its response's status. */
function record(m: NodeMetrics, c: Context<AppEnv>, t0: number): void {
  m.http.record(
    c.req.method,
    c.req.routePath || "unmatched",
    c.res.status,
    (performance.now() - t0) / 1000,
  );
}
