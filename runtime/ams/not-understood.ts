import type { AclMessage, AgentIdentifier } from "../acl/mod.ts";
import {
  agentIdentifierToSl,
  exceptionToSl,
  type FipaException,
  slApply,
  slFrame,
  slSet,
  slString,
  type SlTerm,
  slText,
} from "../sl/mod.ts";
import { buildReply, type ReplyTemplate } from "./reply.ts";

/**
 * A received message as an SL term (a communicative act), for the `not-understood` reply:
 * `(request :sender (agent-identifier ...) :receiver (set ...) :content "..." ...)`.
 */
export function messageToSl(msg: AclMessage): SlTerm {
  const content = msg.content === undefined
    ? undefined
    : slString(typeof msg.content === "string" ? msg.content : JSON.stringify(msg.content));
  const text = (s: string | undefined) => (s === undefined ? undefined : slText(s));
  return slFrame(msg.performative, {
    sender: msg.sender && agentIdentifierToSl(msg.sender),
    receiver: slSet(msg.receivers.map(agentIdentifierToSl)),
    content,
    language: text(msg.language),
    ontology: text(msg.ontology),
    protocol: text(msg.protocol),
    "conversation-id": text(msg.conversation_id),
    "reply-with": text(msg.reply_with),
    "in-reply-to": text(msg.in_reply_to),
  });
}

/**
 * `not-understood` of `req`: content `((action <requester> <req as a term>) <reason>)`
 * (SC00037: the act not understood and why). `detail` (e.g. a parse error with its
 * position) travels in the user parameter `X-error`.
 */
export function notUnderstood(
  t: ReplyTemplate,
  req: AclMessage,
  reason: FipaException,
  detail?: string,
): AclMessage {
  const requester: AgentIdentifier = req.sender ?? t.receivers[0];
  const act = slApply("action", agentIdentifierToSl(requester), messageToSl(req));
  const msg = buildReply(t, "not-understood", [act, exceptionToSl(reason)]);
  if (detail !== undefined) msg.user_params = { "X-error": detail };
  return msg;
}
