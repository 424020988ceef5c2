import type { Context, MiddlewareHandler } from "hono";
import type { RateLimits } from "../config/mod.ts";
import { ApiError } from "../errors/mod.ts";
import { KeyedLimiter, type LimitDecision } from "../limits/mod.ts";
import { requestToken } from "./auth.ts";
import type { AppEnv } from "./env.ts";
import { errorResponse } from "./errors.ts";

/** Endpoint classes that have their own limits. */
export type EndpointClass = keyof RateLimits;

/** The class of a request, or `undefined` for routes without limits (`/health`). */
export function endpointClass(method: string, path: string): EndpointClass | undefined {
  if (path === "/acc" || path.startsWith("/api/v1/messages")) return "messages";
  // The bridges send messages too (MCP tool calls, A2A tasks).
  if (path === "/mcp" || path === "/a2a" || path.startsWith("/a2a/")) return "messages";
  if (!path.startsWith("/api/") && path !== "/metrics") return undefined;
  if (path.startsWith("/api/v1/metrics") || path === "/metrics") return "metrics";
  if (path.startsWith("/api/v1/agents") && (method === "POST" || method === "PUT")) {
    return "deploy";
  }
  // Reads (status, lists, a deployment being watched) are polled: a class of their own so a
  // poller does not exhaust the budget of system operations.
  if (method === "GET" || method === "HEAD") return "reads";
  return "system";
}

function clientKey(c: Context<AppEnv>): string {
  const token = requestToken((h) => c.req.header(h));
  if (token) return `t:${token}`;
  const env = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return `a:${env?.remoteAddr?.hostname ?? "unknown"}`;
}

function setHeaders(c: Context<AppEnv>, d: LimitDecision): void {
  c.header("X-RateLimit-Limit", String(d.limit));
  c.header("X-RateLimit-Remaining", String(d.remaining));
  c.header("X-RateLimit-Reset", String(d.resetEpochSeconds));
}

/**
 * Per-endpoint-class, per-client token buckets with `X-RateLimit-Limit`, `-Remaining` and
 * `-Reset` (epoch seconds) on every limited response; over the limit answers
 * `429 RATE_LIMITED` with `Retry-After`.
 */
export function rateLimit(
  limits: RateLimits,
  now: () => number = Date.now,
): MiddlewareHandler<AppEnv> {
  const limiters = Object.fromEntries(
    Object.entries(limits).map(([k, r]) => [k, new KeyedLimiter(r)]),
  ) as Record<EndpointClass, KeyedLimiter>;
  // Not an async function, and `return next()`: it runs in the app's chain of checks
  // (`chain.ts`), which hands a later check's response back through it.
  return (c, next) => {
    const cls = endpointClass(c.req.method, c.req.path);
    if (!cls) return next();
    const d = limiters[cls].check(clientKey(c), now());
    if (!d.allowed) {
      const res = errorResponse(
        c,
        new ApiError("RATE_LIMITED", `Rate limit of ${cls} requests exceeded`, {
          endpoint_class: cls,
          limit: d.limit,
          window_seconds: limits[cls].windowSeconds,
          retry_after_seconds: d.retryAfterSeconds,
        }, { headers: { "Retry-After": String(Math.max(1, d.retryAfterSeconds)) } }),
      );
      res.headers.set("X-RateLimit-Limit", String(d.limit));
      res.headers.set("X-RateLimit-Remaining", String(d.remaining));
      res.headers.set("X-RateLimit-Reset", String(d.resetEpochSeconds));
      return Promise.resolve(res);
    }
    // Before next(): headers set on a finished response make Hono rebuild it (slow path).
    setHeaders(c, d);
    return next();
  };
}
