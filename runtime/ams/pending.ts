import type { AclMessage } from "../acl/mod.ts";
import type { ApplyResult } from "../directory/mod.ts";
import { doneToSl, exceptionToSl, type FipaException, parseSl } from "../sl/mod.ts";
import { buildReply, type ReplyTemplate } from "./reply.ts";

/**
 * A request whose directory commands are being committed (JSON-serializable, so a shell
 * may keep it anywhere). Hand it back to {@link completeRequest} with the apply results.
 */
export interface PendingRequest {
  /** The function being performed. */
  function: "register" | "deregister" | "modify";
  /** SL text of the requested action, echoed in the final reply. */
  action: string;
  reply: ReplyTemplate;
  /** How many commands the outcome carried (and so how many results are expected). */
  commands: number;
}

/** The FIPA exception for a refused directory command. */
export function failureException(r: ApplyResult): FipaException | undefined {
  if (r.ok) return undefined;
  if (r.reason === "already-registered" || r.reason === "not-registered") return { kind: r.reason };
  return { kind: "internal-error", message: r.message };
}

/**
 * Second step of a mutating request: given the results of applying its commands (in
 * order), the final reply: `inform` with `((done <action>))` when all succeeded, otherwise
 * `failure` with `(<action> <reason>)`, e.g. `already-registered` or `not-registered`.
 *
 * @example
 * ```ts
 * const out = handleManagementMessage(ctx, request);   // agree + commands + pending
 * const results = await raft.commit(out.commands);     // the shell's job
 * send(completeRequest(out.pending!, results));        // inform (done ...) or failure
 * ```
 */
export function completeRequest(pending: PendingRequest, results: ApplyResult[]): AclMessage {
  const action = parseSl(pending.action);
  if (results.length !== pending.commands) {
    return failRequest(
      pending,
      `expected ${pending.commands} command result(s), got ${results.length}`,
    );
  }
  for (const r of results) {
    const e = failureException(r);
    if (e) return buildReply(pending.reply, "failure", [action, exceptionToSl(e)]);
  }
  return buildReply(pending.reply, "inform", [doneToSl(action)]);
}

/**
 * The final reply when the commands could not be committed at all (no leader, timeout):
 * `failure` with `(<action> (internal-error "<message>"))`.
 */
export function failRequest(pending: PendingRequest, message: string): AclMessage {
  return buildReply(pending.reply, "failure", [
    parseSl(pending.action),
    exceptionToSl({ kind: "internal-error", message }),
  ]);
}
