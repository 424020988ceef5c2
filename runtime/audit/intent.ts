import type { AuditOutcome } from "./chain.ts";

/**
 * Audit intents, pure: what an audited directory write's record says when it is derived
 * from the write's result rather than from its HTTP response. A route whose response is a
 * function of its Raft proposal's result stores an intent (the record without its outcome,
 * keyed by the proposal's request id) in the same Deno KV commit as the leader's save of the
 * entry; once the result is known and the response says what {@link outcomeOfResult} says,
 * the record itself need not be durable before the response: after a crash, the node
 * rebuilds it from the intent and the directory's result for that request id. No clock, no
 * I/O.
 * @module
 */

/** A directory result as far as the audit needs it (`ApplyResult`, `RememberedOutcome`). */
export interface ResultLike {
  ok: boolean;
  reason?: string;
}

/**
 * The outcome of a write whose result is `result`: `ok` when the directory applied it,
 * `failed` when the directory refused it, `unknown` when no result is known (`undefined`).
 */
export function outcomeOfResult(result: ResultLike | undefined): AuditOutcome {
  return result === undefined ? "unknown" : result.ok ? "ok" : "failed";
}

/**
 * The details of a record recovered after a crash: the request id, the directory's reason
 * of a refusal, and `recovered: true` (the HTTP status was not recorded).
 */
export function recoveredDetails(
  requestId: string,
  result: ResultLike | undefined,
): Record<string, string | boolean> {
  return {
    request_id: requestId,
    recovered: true,
    ...(result && !result.ok && result.reason !== undefined ? { code: result.reason } : {}),
  };
}

const DEPLOY = "deploy:";

/**
 * The request id of a deploy's audit intent: the new agent's id (unique), marked so that
 * recovery tells it from a Raft proposal's request id. The intent is stored in the same
 * Deno KV commit as the agent's record, so its outcome after a crash is whether this node
 * still holds that record ({@link deployedAgentOf}).
 */
export function deployIntentId(agentId: string): string {
  return DEPLOY + agentId;
}

/** The agent id of a deploy's intent ({@link deployIntentId}); `undefined` for any other. */
export function deployedAgentOf(requestId: string): string | undefined {
  return requestId.startsWith(DEPLOY) ? requestId.slice(DEPLOY.length) : undefined;
}
