/**
 * The happy path of the JSON form: a hand-written check of a decoded JSON value that returns
 * the model exactly as {@link AclJsonSchema} + `parseAclJson` would, or `undefined` whenever
 * it is not sure (any invalid field, and the rare shapes it leaves to zod: non-empty
 * `user_params`, no receiver, objects that are not plain). `parseAclJson` then runs the zod
 * schema, which also words the errors. So the two agree on every input by construction where
 * this returns `undefined`, and `tests/unit/acl/json-fast.test.ts` checks, with seeded
 * property tests, that they agree where it returns a model.
 * @module
 */
import {
  type AgentIdentifier,
  isAgentName,
  MAX_ADDRESS_LENGTH,
  MAX_ADDRESSES,
  MAX_AID_NESTING,
  MAX_RESOLVERS,
} from "./agent-id.ts";
import { type AclMessage, isAclWord, isJsonValue, isReplyBy, TEXT_PARAMS } from "./message.ts";
import { isPerformative, type Performative } from "./performative.ts";

const MAX_TEXT = 65536;
const MAX_RECEIVERS = 1024;

/** The fields of the JSON form (`AclJsonSchema` is strict: any other key is refused). */
const FIELDS: ReadonlySet<string> = new Set([
  "performative",
  "sender",
  "receiver",
  "reply_to",
  "content",
  "user_params",
  "reply_by",
  ...TEXT_PARAMS,
]);

function isPlain(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isEmptyPlain(v: unknown): boolean {
  if (!isPlain(v)) return false;
  for (const _ in v) return false;
  return Object.getOwnPropertySymbols(v).length === 0;
}

/** An identifier object at nesting `level` (as `identifierAt(level)`), or `undefined`. */
function identifier(v: unknown, level: number): AgentIdentifier | undefined {
  if (!isPlain(v) || !isAgentName(v.name)) return undefined;
  const addresses: string[] = [];
  if (v.addresses !== undefined) {
    const a = v.addresses;
    if (!Array.isArray(a) || a.length > MAX_ADDRESSES) return undefined;
    for (const x of a) {
      if (typeof x !== "string" || x.length < 1 || x.length > MAX_ADDRESS_LENGTH) return undefined;
      addresses.push(x);
    }
  }
  const resolvers: AgentIdentifier[] = [];
  if (v.resolvers !== undefined) {
    const r = v.resolvers;
    if (!Array.isArray(r)) return undefined;
    if (r.length > (level < MAX_AID_NESTING ? MAX_RESOLVERS : 0)) return undefined;
    for (const x of r) {
      const id = identifier(x, level + 1);
      if (id === undefined) return undefined;
      resolvers.push(id);
    }
  }
  if (v.user_params !== undefined && !isEmptyPlain(v.user_params)) return undefined;
  return { name: v.name, addresses, resolvers, user_params: {} };
}

/** An agent reference (a name or an identifier object), or `undefined`. */
function agentRef(v: unknown): AgentIdentifier | undefined {
  if (typeof v === "string") {
    return isAgentName(v) ? { name: v, addresses: [], resolvers: [], user_params: {} } : undefined;
  }
  return identifier(v, 1);
}

/** One reference or a list of at most 1024, as a list; `undefined` when any is not valid. */
function agentRefs(v: unknown): AgentIdentifier[] | undefined {
  if (!Array.isArray(v)) {
    const one = agentRef(v);
    return one === undefined ? undefined : [one];
  }
  if (v.length > MAX_RECEIVERS) return undefined;
  const out: AgentIdentifier[] = [];
  for (const x of v) {
    const id = agentRef(x);
    if (id === undefined) return undefined;
    out.push(id);
  }
  return out;
}

function performative(v: unknown): Performative | undefined {
  if (typeof v !== "string") return undefined;
  if (isPerformative(v)) return v;
  const p = v.toLowerCase().replaceAll("_", "-");
  return isPerformative(p) ? p : undefined;
}

/**
 * The model of a JSON-form message when `value` is a valid message of the common shapes,
 * equal to what `parseAclJson` returns for it; `undefined` otherwise (invalid, or a shape
 * this path leaves to the schema). Pure.
 */
export function fastAclJson(value: unknown): AclMessage | undefined {
  if (!isPlain(value)) return undefined;
  for (const k in value) if (!FIELDS.has(k)) return undefined;
  if (Object.getOwnPropertySymbols(value).length > 0) return undefined;
  const p = performative(value.performative);
  if (p === undefined) return undefined;
  const receivers = agentRefs(value.receiver);
  if (receivers === undefined || receivers.length === 0) return undefined;
  const msg: AclMessage = { performative: p, receivers };
  const sender = value.sender;
  if (sender !== undefined && sender !== null) {
    const s = agentRef(sender);
    if (s === undefined) return undefined;
    msg.sender = s;
  }
  const replyTo = value.reply_to;
  if (replyTo !== undefined && replyTo !== null) {
    const r = agentRefs(replyTo);
    if (r === undefined) return undefined;
    msg.reply_to = r;
  }
  const content = value.content;
  if (content !== undefined) {
    if (!isJsonValue(content)) return undefined;
    msg.content = content;
  }
  for (const k of TEXT_PARAMS) {
    const v = value[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string" || v.length > MAX_TEXT) return undefined;
    if (k === "protocol" && !isAclWord(v)) return undefined;
    msg[k] = v;
  }
  const replyBy = value.reply_by;
  if (replyBy !== undefined && replyBy !== null) {
    if (typeof replyBy !== "string") return undefined;
    if (!isReplyBy(replyBy)) return undefined;
    if (replyBy) msg.reply_by = replyBy;
  }
  if (value.user_params !== undefined && !isEmptyPlain(value.user_params)) return undefined;
  return msg;
}
