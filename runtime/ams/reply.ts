import type { AclMessage, AgentIdentifier, Performative } from "../acl/mod.ts";
import { type SlTerm, writeSlContent } from "../sl/mod.ts";

/** The fixed parameters of every reply in one conversation (JSON-serializable). */
export interface ReplyTemplate {
  sender: AgentIdentifier;
  receivers: AgentIdentifier[];
  language: string;
  ontology: string;
  protocol: string;
  conversation_id?: string;
  in_reply_to?: string;
}

/** The default content language of replies. */
export const DEFAULT_LANGUAGE = "fipa-sl0";
/** The ontology of agent management. */
export const AGENT_MANAGEMENT_ONTOLOGY = "fipa-agent-management";

/**
 * The reply parameters for `req`: sent by `self` to the request's `reply_to` (or its
 * sender), in its conversation, `in_reply_to` its `reply_with`. Language and ontology are
 * the request's when acceptable (as written), the defaults otherwise.
 *
 * @returns `undefined` when there is nobody to reply to.
 */
export function replyTemplate(
  req: AclMessage,
  self: AgentIdentifier,
  opts: { protocol: string; language?: string; ontology?: string },
): ReplyTemplate | undefined {
  const receivers = req.reply_to?.length ? req.reply_to : req.sender ? [req.sender] : [];
  if (receivers.length === 0) return undefined;
  const t: ReplyTemplate = {
    sender: self,
    receivers,
    language: opts.language ?? DEFAULT_LANGUAGE,
    ontology: opts.ontology ?? AGENT_MANAGEMENT_ONTOLOGY,
    protocol: req.protocol ?? opts.protocol,
  };
  if (req.conversation_id !== undefined) t.conversation_id = req.conversation_id;
  if (req.reply_with !== undefined) t.in_reply_to = req.reply_with;
  return t;
}

/** A reply carrying an SL content expression made of `elements`. */
export function buildReply(
  t: ReplyTemplate,
  performative: Performative,
  elements: SlTerm[],
): AclMessage {
  const msg: AclMessage = {
    performative,
    sender: t.sender,
    receivers: t.receivers,
    content: writeSlContent(elements),
    language: t.language,
    ontology: t.ontology,
    protocol: t.protocol,
  };
  if (t.conversation_id !== undefined) msg.conversation_id = t.conversation_id;
  if (t.in_reply_to !== undefined) msg.in_reply_to = t.in_reply_to;
  return msg;
}
