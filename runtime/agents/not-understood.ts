/**
 * The `not-understood` the runtime sends for an agent whose `handle-message` returned false
 * (FIPA SC00037: a receiver that does not understand a message says so).
 * @module
 */
import {
  type AclMessage,
  type AgentIdentifier,
  buildReplyTo,
  UNANSWERED_ACTS,
} from "../acl/mod.ts";
import { messageToSl } from "../ams/mod.ts";
import { agentIdentifierToSl, exceptionToSl, slApply, writeSlContent } from "../sl/mod.ts";

/**
 * The `not-understood` that `self` answers to `original`, which its `handle-message`
 * declined: to the original's `reply-to` (else its sender), in its conversation and
 * protocol, `in-reply-to` its `reply-with`; FIPA-SL content
 * `((action <sender> <original as a term>) (unsupported-act <performative>))`. Pure.
 *
 * @returns `undefined` for answers and informs ({@link UNANSWERED_ACTS}: a `not-understood`
 * or `failure` is never answered, so two agents cannot loop) and when nobody can be answered.
 */
export function declinedReply(
  original: AclMessage,
  self: AgentIdentifier,
): AclMessage | undefined {
  if (UNANSWERED_ACTS.has(original.performative)) return undefined;
  const requester = original.sender ?? original.reply_to?.[0];
  if (!requester) return undefined;
  const act = slApply("action", agentIdentifierToSl(requester), messageToSl(original));
  const reason = exceptionToSl({ kind: "unsupported-act", act: original.performative });
  return buildReplyTo(original, self, "not-understood", {
    content: writeSlContent([act, reason]),
    language: "fipa-sl0",
  });
}
