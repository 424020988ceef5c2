import type { AgentIdentifier } from "./agent-id.ts";
import type { AclMessage } from "./message.ts";
import type { Performative } from "./performative.ts";

/** The parameters that make a message a reply: who sends it, to whom, in which conversation. */
export type ReplyFields =
  & { sender: AgentIdentifier }
  & Pick<AclMessage, "receivers" | "protocol" | "conversation_id" | "in_reply_to">;

/** Options of {@link replyFields}. */
export interface ReplyFieldsOptions {
  /**
   * `reply-to` (default): the original's `reply_to` when it names anyone, else its sender
   * (FIPA: replies go to `reply-to`). `sender`: always the sender (a delivery failure tells the
   * one who sent the message).
   */
  to?: "reply-to" | "sender";
  /** The protocol when the original names none (absent: no protocol). */
  protocol?: string;
}

/**
 * The reply parameters for `original`, sent by `from`: in its conversation, `in_reply_to` its
 * `reply_with`, in its protocol. Absent parameters stay absent (the result is JSON-safe).
 *
 * @returns `undefined` when there is nobody to reply to.
 */
export function replyFields(
  original: AclMessage,
  from: AgentIdentifier,
  opts: ReplyFieldsOptions = {},
): ReplyFields | undefined {
  const receivers = opts.to !== "sender" && original.reply_to?.length
    ? original.reply_to
    : original.sender
    ? [original.sender]
    : [];
  if (receivers.length === 0) return undefined;
  const out: ReplyFields = { sender: from, receivers };
  const protocol = original.protocol ?? opts.protocol;
  if (protocol !== undefined) out.protocol = protocol;
  if (original.conversation_id !== undefined) out.conversation_id = original.conversation_id;
  if (original.reply_with !== undefined) out.in_reply_to = original.reply_with;
  return out;
}

/** What a reply says, besides its {@link ReplyFields}. */
export interface ReplyBody {
  content: string;
  language: string;
  ontology?: string;
}

/**
 * A reply to `original` from `from`: its {@link replyFields} plus `performative` and `body`.
 *
 * @returns `undefined` when there is nobody to reply to.
 */
export function buildReplyTo(
  original: AclMessage,
  from: AgentIdentifier,
  performative: Performative,
  body: ReplyBody,
  opts: ReplyFieldsOptions = {},
): AclMessage | undefined {
  const fields = replyFields(original, from, opts);
  if (!fields) return undefined;
  const msg: AclMessage = {
    performative,
    ...fields,
    content: body.content,
    language: body.language,
  };
  if (body.ontology !== undefined) msg.ontology = body.ontology;
  return msg;
}

/** An error as a JSON `not-understood` carries it (e.g. an `ApiError`). */
export interface ReplyError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * The `not-understood` (JSON content `{error, message, ...details}`) an agent gets back from
 * `from` for a message `original` that could not be taken, e.g. one that broke its
 * conversation's protocol (`PROTOCOL_VIOLATION`). Addressed to the original's sender.
 *
 * @returns `undefined` when the original has no sender.
 */
export function notUnderstoodReply(
  original: AclMessage,
  from: AgentIdentifier,
  error: ReplyError,
): AclMessage | undefined {
  return buildReplyTo(original, from, "not-understood", {
    content: JSON.stringify({ error: error.code, message: error.message, ...error.details }),
    language: "json",
  }, { to: "sender" });
}
