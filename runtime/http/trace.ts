import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env.ts";

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const HEX32 = /^[0-9a-f]{32}$/;

/** A fresh random 128-bit trace id in hex. */
export function newTraceId(): string {
  // A v4 UUID is 122 random bits in hex, made natively: several times cheaper than
  // formatting 16 random bytes in JavaScript, on every request.
  return crypto.randomUUID().replaceAll("-", "");
}

/**
 * Sets the request's trace id from a W3C `traceparent` or an `X-Trace-Id` header (or a
 * fresh one) and echoes it in `X-Trace-Id`, so every error body and log line names it.
 */
export const traceId: MiddlewareHandler<AppEnv> = async (c, next) => {
  const tp = c.req.header("traceparent")?.toLowerCase().match(TRACEPARENT)?.[1];
  const given = c.req.header("x-trace-id")?.toLowerCase();
  const id = tp ?? (given && HEX32.test(given) ? given : newTraceId());
  c.set("traceId", id);
  await next();
  c.header("X-Trace-Id", id);
};
