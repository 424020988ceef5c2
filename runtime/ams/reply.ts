import {
  type AclMessage,
  type AgentIdentifier,
  type Performative,
  replyFields,
} from "../acl/mod.ts";
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
 * The reply parameters for `req` ({@link replyFields}): sent by `self` to the request's
 * `reply_to` (or its sender), in its conversation, `in_reply_to` its `reply_with`. Language and ontology are
 * the request's when acceptable (as written), the defaults otherwise.
 *
 * @returns `undefined` when there is nobody to reply to.
 */
export function replyTemplate(
  req: AclMessage,
  self: AgentIdentifier,
  opts: { protocol: string; language?: string; ontology?: string },
): ReplyTemplate | undefined {
  const fields = replyFields(req, self, { protocol: opts.protocol });
  if (!fields) return undefined;
  const { protocol = opts.protocol, ...rest } = fields;
  return {
    ...rest,
    language: opts.language ?? DEFAULT_LANGUAGE,
    ontology: opts.ontology ?? AGENT_MANAGEMENT_ONTOLOGY,
    protocol,
  };
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
