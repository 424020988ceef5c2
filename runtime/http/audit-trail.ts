import type { Context, MiddlewareHandler } from "hono";
import type { AuditLog, AuditOutcome } from "../audit/mod.ts";
import type { AuthFailure } from "../security/mod.ts";
import { TokenBucket } from "../limits/mod.ts";
import type { App, AppEnv } from "./env.ts";
import { principalOf, type RouteAccess, targetOf } from "./access.ts";
import { traceIdOf } from "./trace.ts";

const logs = new WeakMap<App, AuditLog>();

/** The audit log routes record into (set by `createApp` before the routes are defined). */
export function setAuditLog(app: App, log: AuditLog): void {
  logs.set(app, log);
}

/** The audit log of an app, if it has one. */
export function auditLogOf(app: App): AuditLog | undefined {
  return logs.get(app);
}

/** Refusals by their error code: everything else that is not 2xx/3xx failed. */
const REFUSED_CODES = new Set(["UNAUTHORIZED", "FORBIDDEN", "INVALID_SIGNATURE"]);

/**
 * The middleware that records a route's calls in the audit trail: every call of a row with
 * `audit`, and any `403` of the others (a refused sender or scope). The record is stored
 * before the response goes out.
 */
export function auditMiddleware(
  app: App,
  key: string,
  access: RouteAccess,
): MiddlewareHandler<AppEnv> | undefined {
  const log = logs.get(app);
  if (access.action === "public" || !log) return undefined;
  const name = access.audit;
  const record = async (c: Context<AppEnv>, status: number): Promise<void> => {
    const error = status >= 400 ? await errorOf(c) : undefined;
    const outcome: AuditOutcome = status < 400
      ? "ok"
      : status === 401 || status === 403 || REFUSED_CODES.has(error?.code ?? "")
      ? "refused"
      : "failed";
    const sender = typeof error?.details?.sender === "string" ? error.details.sender : undefined;
    await log.append({
      actor: principalOf(c)?.subject ?? "anonymous",
      action: name ?? (sender !== undefined ? "message.sender" : `${key}`),
      target: sender ?? targetOf(c) ?? c.req.path,
      outcome,
      trace_id: c.res.headers.get("x-trace-id") ?? traceIdOf(c),
      details: {
        status,
        ...(error?.code ? { code: error.code } : {}),
        ...(typeof error?.details?.reason === "string" ? { reason: error.details.reason } : {}),
      },
    });
  };
  // Not an async function: most calls of a row without `audit` end at the status check,
  // without a promise of their own.
  return (c, next) =>
    next().then(() => {
      const status = c.res.status;
      if (name === undefined && status !== 403) return;
      return record(c, status);
    });
}

async function errorOf(
  c: Context<AppEnv>,
): Promise<{ code?: string; details?: Record<string, unknown> } | undefined> {
  try {
    const body = await c.res.clone().json();
    return body?.error;
  } catch {
    return undefined;
  }
}

/** Refused tokens recorded per second at most, after a burst: a flood cannot fill the log. */
const TOKEN_FAILURES = { ratePerSecond: 10, burst: 100 };

/**
 * Records a refused token (`auth.token`, with the reason) before the 401 goes out. Past
 * {@link TOKEN_FAILURES} (unauthenticated callers are not rate-limited before this point),
 * refusals are counted instead, and the next record carries the count as `suppressed`.
 */
export function auditTokenFailure(
  log: AuditLog,
  now: () => number = () => performance.now(),
): (reason: AuthFailure, c: Context<AppEnv>) => Promise<void> {
  const bucket = new TokenBucket(TOKEN_FAILURES, now());
  let suppressed = 0;
  return async (reason, c) => {
    if (!bucket.take(now()).allowed) {
      suppressed++;
      return;
    }
    const details = { status: 401, reason, ...(suppressed > 0 ? { suppressed } : {}) };
    suppressed = 0;
    await log.append({
      actor: "unknown",
      action: "auth.token",
      target: `${c.req.method} ${c.req.path}`,
      outcome: "refused",
      trace_id: traceIdOf(c),
      details,
    });
  };
}
