import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { AclError } from "../acl/mod.ts";
import { ApiError, errorBody, type ErrorCode } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { AppEnv } from "./env.ts";
import { traceIdOf } from "./trace.ts";

/** Turns an {@link ApiError} into the JSON error response, with its extra headers. */
export function errorResponse(c: Context<AppEnv>, err: ApiError): Response {
  const traceId = traceIdOf(c);
  const res = c.json(errorBody(err, traceId), err.status as 400);
  res.headers.set("X-Trace-Id", traceId);
  for (const [k, v] of Object.entries(err.headers)) res.headers.set(k, v);
  return res;
}

/** Maps an {@link AclError} to `400 INVALID_ACL` whose details point at the first issue. */
export function aclApiError(err: AclError, form: "json" | "fipa-string"): ApiError {
  const first = err.issues[0] ?? { message: err.message };
  return new ApiError("INVALID_ACL", err.message, { form, ...first, issues: err.issues }, {
    cause: err,
  });
}

const HTTP_CODES: Record<number, ErrorCode> = {
  400: "INVALID_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
};

/**
 * Builds the app's `onError` handler: known errors keep their code; anything else is an
 * `INTERNAL_ERROR` that is logged with its trace id (and never shows internals).
 */
export function onError(log: Logger) {
  return (err: Error, c: Context<AppEnv>): Response => {
    if (err instanceof ApiError) return errorResponse(c, err);
    if (err instanceof AclError) return errorResponse(c, aclApiError(err, "fipa-string"));
    if (err instanceof HTTPException && HTTP_CODES[err.status]) {
      return errorResponse(c, new ApiError(HTTP_CODES[err.status], err.message || "Bad request"));
    }
    log.error("unhandled error", {
      trace_id: traceIdOf(c),
      path: c.req.path,
      error: err.message,
      stack: err.stack,
    });
    return errorResponse(c, new ApiError("INTERNAL_ERROR", "Internal server error"));
  };
}

/** The app's 404 handler for unknown routes. */
export function notFound(c: Context<AppEnv>): Response {
  return errorResponse(
    c,
    new ApiError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`, {
      method: c.req.method,
      path: c.req.path,
    }),
  );
}
