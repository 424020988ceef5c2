// The schema-free files, not acl/mod.ts nor the files with schemas: this runs in every
// sandbox Worker, which would otherwise load the whole ACL codec (the XML form's parsers
// among it, ~10 ms of CPU per Worker start) and zod (~13 ms).
import { type AgentIdentifier, aid } from "../acl/aid.ts";
import type { AclMessage, JsonValue } from "../acl/message.ts";
import { isReplyBy, TEXT_PARAMS } from "../acl/message-fields.ts";
import { isPerformative, type Performative } from "../acl/performative-set.ts";

/** `agent-id` of the WIT world as the JS bindings (jco, ComponentizeJS) represent it. */
export interface WitAgentId {
  name: string;
  addresses: string[];
  resolvers: string[];
}

/** `content` of the WIT world: FIPA text, or the text of a JSON value. */
export type WitContent = { tag: "text"; val: string } | { tag: "json"; val: string };

/** `acl-message` of the WIT world as the JS bindings represent it (options are `undefined`). */
export interface WitAclMessage {
  messageId: string;
  performative: Performative;
  sender?: WitAgentId;
  receivers: WitAgentId[];
  replyTo: WitAgentId[];
  content?: WitContent;
  language?: string;
  encoding?: string;
  ontology?: string;
  protocol?: string;
  conversationId?: string;
  replyWith?: string;
  inReplyTo?: string;
  replyBy?: string;
  userParams: [string, string][];
}

const WIT_TEXT_FIELDS = {
  language: "language",
  encoding: "encoding",
  ontology: "ontology",
  protocol: "protocol",
  conversation_id: "conversationId",
  reply_with: "replyWith",
  in_reply_to: "inReplyTo",
} as const satisfies Record<typeof TEXT_PARAMS[number], keyof WitAclMessage>;

function toWitAid(id: AgentIdentifier): WitAgentId {
  return { name: id.name, addresses: id.addresses, resolvers: id.resolvers.map((r) => r.name) };
}

/**
 * Converts a model message into the WIT record handed to `handle-message`. String content
 * becomes `text`; any other JSON value becomes `json` with its JSON text. Agent identifiers
 * keep names and addresses; resolvers become their names (user slots are not carried).
 */
export function toWitMessage(msg: AclMessage, messageId: string): WitAclMessage {
  const out: WitAclMessage = {
    messageId,
    performative: msg.performative,
    receivers: msg.receivers.map(toWitAid),
    replyTo: (msg.reply_to ?? []).map(toWitAid),
    userParams: Object.entries(msg.user_params ?? {}),
  };
  if (msg.sender) out.sender = toWitAid(msg.sender);
  if (msg.content !== undefined) {
    out.content = typeof msg.content === "string"
      ? { tag: "text", val: msg.content }
      : { tag: "json", val: JSON.stringify(msg.content) };
  }
  for (const k of TEXT_PARAMS) {
    const v = msg[k];
    if (v !== undefined) out[WIT_TEXT_FIELDS[k]] = v;
  }
  if (msg.reply_by !== undefined) out.replyBy = msg.reply_by;
  return out;
}

function fromWitAid(id: WitAgentId): AgentIdentifier {
  return { ...aid(id.name, [...id.addresses]), resolvers: id.resolvers.map((r) => aid(r)) };
}

/** The result of reading a message an agent passed to `send-message`. */
export type FromWitResult = { ok: true; message: AclMessage } | { ok: false; error: string };

/**
 * Converts and validates the WIT record an agent passed to `send-message` (a trust
 * boundary). The sender is always `self`, whatever the agent wrote; `json` content must
 * parse. Errors name the bad field and value.
 */
export function fromWitMessage(w: WitAclMessage, self: AgentIdentifier): FromWitResult {
  const msg: AclMessage = {
    performative: w.performative,
    sender: self,
    receivers: w.receivers.map(fromWitAid),
  };
  if (w.replyTo.length) msg.reply_to = w.replyTo.map(fromWitAid);
  if (w.content) {
    if (w.content.tag === "json") {
      try {
        msg.content = JSON.parse(w.content.val) as JsonValue;
      } catch {
        return { ok: false, error: `content: json is not valid JSON: ${clip(w.content.val)}` };
      }
    } else {
      msg.content = w.content.val;
    }
  }
  for (const k of TEXT_PARAMS) {
    const v = w[WIT_TEXT_FIELDS[k]];
    if (v !== undefined && v !== null) msg[k] = v as string;
  }
  if (w.replyBy !== undefined && w.replyBy !== null) msg.reply_by = w.replyBy;
  if (w.userParams.length) msg.user_params = Object.fromEntries(w.userParams);
  const bad = check(msg);
  if (bad) return { ok: false, error: bad };
  return { ok: true, message: msg };
}

const NAME = /^[^\s()]+$/;
const MAX_TEXT = 65536;

/** Why an agent identifier is not acceptable, or undefined. */
function checkAid(id: AgentIdentifier, path: string): string | undefined {
  if (!id.name || id.name.length > 1024 || !NAME.test(id.name)) {
    return `${path}.name: not an agent name (non-empty, at most 1024 characters, no ` +
      `whitespace or parentheses): ${clip(id.name)}`;
  }
  if (id.addresses.length > 64) return `${path}.addresses: more than 64`;
  for (const a of id.addresses) {
    if (!a || a.length > 2048) return `${path}.addresses: bad address ${clip(a)}`;
  }
  if (id.resolvers.length > 16) return `${path}.resolvers: more than 16`;
  for (const r of id.resolvers) {
    const e = checkAid(r, `${path}.resolvers`);
    if (e) return e;
  }
  return undefined;
}

/**
 * Checks what the canonical ABI does not guarantee (the bindings already guarantee the
 * types): the limits and formats of the model (same rules as `AclMessageSchema`, written
 * out because this runs for every message an agent sends).
 */
function check(m: AclMessage): string | undefined {
  if (!isPerformative(m.performative)) return `performative: unknown ${clip(m.performative)}`;
  if (m.receivers.length === 0) return "receivers: at least one receiver is required";
  if (m.receivers.length > 1024) return "receivers: more than 1024";
  for (let i = 0; i < m.receivers.length; i++) {
    const e = checkAid(m.receivers[i], `receivers.${i}`);
    if (e) return e;
  }
  if (m.reply_to) {
    if (m.reply_to.length > 1024) return "reply-to: more than 1024";
    for (let i = 0; i < m.reply_to.length; i++) {
      const e = checkAid(m.reply_to[i], `reply-to.${i}`);
      if (e) return e;
    }
  }
  for (const k of TEXT_PARAMS) {
    const v = m[k];
    if (v !== undefined && v.length > MAX_TEXT) return `${k}: longer than ${MAX_TEXT} characters`;
  }
  if (m.reply_by !== undefined && !isReplyBy(m.reply_by)) {
    return `reply-by: not an ISO 8601 date-time: ${clip(m.reply_by)}`;
  }
  for (const k of Object.keys(m.user_params ?? {})) {
    if (!k) return "user-params: empty parameter name";
  }
  return undefined;
}

function clip(v: unknown): string {
  const s = typeof v === "string" ? JSON.stringify(v) : String(JSON.stringify(v));
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
