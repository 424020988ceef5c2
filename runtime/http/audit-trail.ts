import type { Context, MiddlewareHandler } from "hono";
import type { KvOp } from "../agents/kv-ops.ts";
import {
  type AuditIntent,
  type AuditLog,
  type AuditOutcome,
  outcomeOfResult,
  type ResultLike,
} from "../audit/mod.ts";
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

const PROPOSAL = Symbol("audited proposal");

/** What an audited request's directory proposal left for its record. */
interface ProposalState {
  readonly log: AuditLog;
  readonly action: string;
  requestId?: string;
  at?: string;
  /** Whether the intent is durable (false: its write failed). */
  intent?: Promise<boolean>;
  result?: ResultLike;
}

type ProposalContext = Context<AppEnv> & { [PROPOSAL]?: ProposalState };

/** The hooks of {@link proposalAudit}. */
export interface ProposalAudit {
  /** Pass as `Cluster.propose`'s `intend`: stores the audit intent beside the entry. */
  intend(requestId: string): void;
  /**
   * The audit intent as a write for the caller's own atomic commit (a deploy's, beside the
   * agent's record: `deployIntentId`), `details` joining the intent's; call
   * {@link ProposalAudit.stored} once that commit is durable.
   */
  intentOp(requestId: string, details: Record<string, string>): KvOp;
  /** The commit that carried {@link ProposalAudit.intentOp}'s write is durable. */
  stored(): void;
  /** Call with the proposal's result, before the response is built from it. */
  result(r: ResultLike): void;
}

/**
 * For an audited route whose response is a function of its directory proposal's result
 * (`201`/`200` when the directory applied it, an error when it refused it): the hooks that let
 * its audit record go out after the response instead of before it. `intend` stores the record
 * without its outcome (an intent, keyed by the request id) in the commit that saves the Raft
 * entry; when the response's outcome is the one the result implies (`outcomeOfResult`) and
 * the intent is durable, the record (which deletes the intent) is not waited for: after a
 * crash the node rebuilds it from the intent and the directory's result
 * (`node/audit-recovery.ts`). Any other ending (a timeout, an unknown outcome) waits for the
 * record as before. `undefined` when the route is not audited.
 */
export function proposalAudit(c: Context<AppEnv>): ProposalAudit | undefined {
  const st = (c as ProposalContext)[PROPOSAL];
  if (!st) return undefined;
  const intentOf = (requestId: string, more: Record<string, string> = {}): AuditIntent => {
    const at = new Date().toISOString();
    st.requestId = requestId;
    st.at = at;
    return {
      at,
      actor: principalOf(c)?.subject ?? "anonymous",
      action: st.action,
      target: targetOf(c) ?? c.req.path,
      trace_id: traceIdOf(c),
      details: { ...more, request_id: requestId },
    };
  };
  return {
    intend: (requestId) => {
      st.intent = st.log.intend(requestId, intentOf(requestId)).then(() => true, () => false);
    },
    intentOp: (requestId, details) => st.log.intentOp(requestId, intentOf(requestId, details)),
    stored: () => {
      st.intent = Promise.resolve(true);
    },
    result: (r) => {
      st.result = r;
    },
  };
}

/** Refusals by their error code: everything else that is not 2xx/3xx failed. */
const REFUSED_CODES = new Set(["UNAUTHORIZED", "FORBIDDEN", "INVALID_SIGNATURE"]);

/**
 * The middleware that records a route's calls in the audit trail: every call of a row with
 * `audit`, and any `403` of the others (a refused sender or scope). The record is stored
 * before the response goes out, or, for a directory write that stored its intent
 * ({@link proposalAudit}) and ended as its result implies, may follow it.
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
    const st = (c as ProposalContext)[PROPOSAL];
    const settles = st?.requestId;
    // Derivable from the durable intent and the directory's result: the response need not
    // wait for the record. A record that fails to store leaves the intent, recovered at the
    // next start.
    const derivable = settles !== undefined && st?.result !== undefined &&
      outcomeOfResult(st.result) === outcome && await st.intent === true;
    const stored = log.append({
      actor: principalOf(c)?.subject ?? "anonymous",
      action: name ?? (sender !== undefined ? "message.sender" : `${key}`),
      target: sender ?? targetOf(c) ?? c.req.path,
      outcome,
      trace_id: c.res.headers.get("x-trace-id") ?? traceIdOf(c),
      ...(st?.at !== undefined ? { at: st.at } : {}),
      details: {
        status,
        ...(error?.code ? { code: error.code } : {}),
        ...(typeof error?.details?.reason === "string" ? { reason: error.details.reason } : {}),
        ...(settles !== undefined ? { request_id: settles } : {}),
      },
    }, { settles, soon: derivable });
    if (derivable) stored.catch(() => {});
    else await stored;
  };
  // Not an async function: most calls of a row without `audit` end at the status check,
  // without a promise of their own.
  return (c, next) => {
    if (name !== undefined) (c as ProposalContext)[PROPOSAL] = { log, action: name };
    return next().then(() => {
      const status = c.res.status;
      if (name === undefined && status !== 403) return;
      return record(c, status);
    });
  };
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
