import type { Context, ErrorHandler, Handler, MiddlewareHandler } from "hono";
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

interface AppAudit {
  log: AuditLog;
  /** The app's `onError`: turns an error a handler threw into its response. */
  onError: ErrorHandler<AppEnv>;
}

const audits = new WeakMap<App, AppAudit>();

/**
 * The audit log routes record into and the app's error funnel (set by `createApp` before the
 * routes are defined; the funnel must be the one given to `app.onError`).
 */
export function setAuditLog(app: App, log: AuditLog, onError: ErrorHandler<AppEnv>): void {
  audits.set(app, { log, onError });
}

/** The audit log of an app, if it has one. */
export function auditLogOf(app: App): AuditLog | undefined {
  return audits.get(app)?.log;
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
 * What records a route's calls in the audit trail: every call of a row with `audit`, and any
 * `403` of the others (a refused sender or scope). The record is stored before the response
 * goes out, or, for a directory write that stored its intent ({@link proposalAudit}) and ended
 * as its result implies, may follow it.
 *
 * `middleware` goes in front of the route's handlers. For a row without `audit`, whose calls are
 * recorded only when refused (`POST /api/v1/messages`), `wrap` may wrap a route's single handler
 * instead, so the hot routes pay no Hono step of their own for it: the wrapper turns an error the handler throws
 * into its response with the app's `onError`, exactly as Hono would one step out (setting
 * `c.error` and `c.res`), and records a `403` before handing the response back.
 */
export function auditTrail(
  app: App,
  key: string,
  access: RouteAccess,
):
  | { middleware: MiddlewareHandler<AppEnv>; wrap?: (handler: Handler<AppEnv>) => Handler<AppEnv> }
  | undefined {
  const audit = audits.get(app);
  if (access.action === "public" || !audit) return undefined;
  const { log, onError } = audit;
  const name = access.audit;
  const record = async (c: Context<AppEnv>, res: Response): Promise<void> => {
    const status = res.status;
    const error = status >= 400 ? await errorOf(res) : undefined;
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
      trace_id: res.headers.get("x-trace-id") ?? traceIdOf(c),
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
  const middleware: MiddlewareHandler<AppEnv> = (c, next) => {
    if (name !== undefined) (c as ProposalContext)[PROPOSAL] = { log, action: name };
    return next().then(() => {
      if (name === undefined && c.res.status !== 403) return;
      return record(c, c.res);
    });
  };
  if (name !== undefined) return { middleware };
  // A row without `audit`: only a 403 is recorded.
  const refusal = (c: Context<AppEnv>, res: Response): Response | Promise<Response> =>
    res.status === 403 ? record(c, res).then(() => res) : res;
  const failed = async (c: Context<AppEnv>, err: unknown): Promise<Response> => {
    // What Hono's compose does with a handler's error: only an Error reaches `onError`.
    if (!(err instanceof Error)) throw err;
    c.error = err;
    c.res = await onError(err, c);
    return refusal(c, c.res);
  };
  return {
    middleware,
    wrap: (handler) => (c, next) => {
      let out;
      try {
        out = handler(c, next);
      } catch (err) {
        return failed(c, err);
      }
      if (out instanceof Promise) {
        return out.then(
          (res) => res instanceof Response ? refusal(c, res) : res,
          (err) => failed(c, err),
        );
      }
      return out instanceof Response ? refusal(c, out) : out;
    },
  };
}

async function errorOf(
  res: Response,
): Promise<{ code?: string; details?: Record<string, unknown> } | undefined> {
  try {
    const body = await res.clone().json();
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
