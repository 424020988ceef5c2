import type { MiddlewareHandler } from "hono";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import { ApiError } from "../errors/mod.ts";
import type { AppEnv } from "./env.ts";
import { errorResponse } from "./errors.ts";

/**
 * Refuses request bodies larger than `maxBytes` with `413 PAYLOAD_TOO_LARGE`. A declared
 * `Content-Length` is checked without touching the body (HTTP framing then guarantees the
 * length); only chunked bodies are counted as they stream, by Hono's `bodyLimit`.
 */
export function bodyLimit(
  defaultMax: number,
  overrides: { method: string; path: RegExp; maxBytes: number }[] = [],
): MiddlewareHandler<AppEnv> {
  const limits = new Map<number, MiddlewareHandler<AppEnv>>();
  const forLimit = (maxBytes: number) => {
    let h = limits.get(maxBytes);
    if (!h) limits.set(maxBytes, h = oneLimit(maxBytes));
    return h;
  };
  // A declared length within every limit passes without looking for the route's own limit.
  const least = Math.min(defaultMax, ...overrides.map((o) => o.maxBytes));
  return (c, next) => {
    const declared = c.req.header("content-length");
    if (declared !== undefined && Number(declared) <= least && isByteCount(declared)) {
      return next();
    }
    const o = overrides.find((o) => o.method === c.req.method && o.path.test(c.req.path));
    return forLimit(o?.maxBytes ?? defaultMax)(c, next);
  };
}

/** Whether a `Content-Length` value is a byte count (as `Number` reads it: `oneLimit`). */
function isByteCount(declared: string): boolean {
  const n = Number(declared);
  return Number.isSafeInteger(n) && n >= 0;
}

function oneLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge = (c: Parameters<MiddlewareHandler<AppEnv>>[0]) =>
    errorResponse(
      c,
      new ApiError("PAYLOAD_TOO_LARGE", `Request body exceeds the limit of ${maxBytes} bytes`, {
        limit_bytes: maxBytes,
      }),
    );
  const streaming = honoBodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return (c, next) => {
    const declared = c.req.header("content-length");
    if (declared !== undefined) {
      const n = Number(declared);
      if (!isByteCount(declared)) {
        return Promise.resolve(
          errorResponse(
            c,
            new ApiError("INVALID_REQUEST", `Content-Length '${declared}' is not a byte count`),
          ),
        );
      }
      return n > maxBytes ? Promise.resolve(tooLarge(c)) : next();
    }
    if (!c.req.raw.body) return next();
    return streaming(c, next);
  };
}
