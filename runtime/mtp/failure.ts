import { type AclMessage, type AgentIdentifier, buildReplyTo } from "../acl/mod.ts";
import { slAgentIdentifier, slString } from "./sl-terms.ts";

/**
 * The standard failure reasons of FIPA Agent Management (SC00023 §6.3.2, used by the message
 * transport of SC00067): a proposition naming why an action failed.
 */
export type FailureReason =
  | { kind: "internal-error"; message: string }
  | { kind: "unsupported-value"; message: string }
  | { kind: "unauthorised" };

function reasonSl(reason: FailureReason): string {
  return reason.kind === "unauthorised"
    ? "unauthorised"
    : `(${reason.kind} ${slString(reason.message)})`;
}

/**
 * The FIPA-SL content of a delivery failure, in the shape JADE's AMS sends and JADE agents
 * look for:
 * `((action <ams> (ACLMessage)) (MTS-error <receiver> (internal-error "<why>")))`.
 */
export function mtsErrorContent(
  ams: AgentIdentifier,
  receiver: AgentIdentifier,
  reason: FailureReason,
): string {
  return `((action ${slAgentIdentifier(ams)} (ACLMessage)) ` +
    `(MTS-error ${slAgentIdentifier(receiver)} ${reasonSl(reason)}))`;
}

/**
 * Builds the `failure` our AMS sends to the sender of a message that could not be delivered
 * to `receiver` (SC00067 §4: the transport informs the sender). It answers in the
 * conversation of the original (`conversation_id`, `in_reply_to` = its `reply_with`,
 * `protocol`), in `fipa-sl0` with ontology `FIPA-Agent-Management`.
 *
 * Returns `undefined` when no one can be told: the original has no sender, or it came from
 * the AMS itself (never answer a failure about a failure of ours: that could loop).
 *
 * @param reason a text (taken as `internal-error`) or a {@link FailureReason}.
 * @example
 * ```ts
 * const f = deliveryFailureMessage(msg, receiver, "no reachable address", aid("ams@node-a"));
 * f?.content; // '((action (agent-identifier :name ams@node-a) (ACLMessage)) (MTS-error ...))'
 * ```
 */
export function deliveryFailureMessage(
  original: AclMessage,
  receiver: AgentIdentifier,
  reason: string | FailureReason,
  ams: AgentIdentifier,
): AclMessage | undefined {
  if (original.sender?.name === ams.name) return undefined;
  const why: FailureReason = typeof reason === "string"
    ? { kind: "internal-error", message: reason }
    : reason;
  return buildReplyTo(original, ams, "failure", {
    content: mtsErrorContent(ams, receiver, why),
    language: "fipa-sl0",
    ontology: "FIPA-Agent-Management",
  }, { to: "sender" });
}
