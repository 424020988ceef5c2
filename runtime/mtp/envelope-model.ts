/**
 * The FIPA message envelope model (SC00067 §4): its `params`, their zod schemas, and the
 * effective view of several `params` (later indexes override earlier ones).
 * @module
 */
import { z } from "zod";
import {
  type AgentIdentifier,
  AgentIdentifierSchema,
  hasOnlyKeys,
  isCanonicalAid,
  isPlainRecord,
} from "../acl/mod.ts";
import { MtpError } from "./mtp-error.ts";

/** One `received` stamp: a message transport service that handled the message (SC00067). */
export interface ReceivedStamp {
  /** URL of the receiving transport (`received-by`). */
  by?: string;
  /** URL it was received from (`received-from`). */
  from?: string;
  /** When, ISO 8601 (`received-date`). */
  date?: string;
  /** Unique id of the message at that hop (`received-id`). */
  id?: string;
  /** Protocol it came over, e.g. `fipa.mts.mtp.http.std` (`received-via`). */
  via?: string;
}

/** One `params` element of an envelope. Absent fields are absent, not empty. */
export interface EnvelopeParams {
  /** Position in the override order; higher overrides lower. */
  index: number;
  to?: AgentIdentifier[];
  from?: AgentIdentifier;
  comments?: string;
  /** e.g. `fipa.acl.rep.string.std`. */
  acl_representation?: string;
  /** Payload size in bytes. */
  payload_length?: number;
  /** Character set of the payload, e.g. `UTF-8`, `US-ASCII`. */
  payload_encoding?: string;
  /** ISO 8601, see `fipa-date.ts`. */
  date?: string;
  encrypted?: string[];
  intended_receiver?: AgentIdentifier[];
  received?: ReceivedStamp;
  transport_behaviour?: string;
  /** `<user-defined href="name">value</user-defined>`, and unknown text-only elements. */
  user_defined?: Record<string, string>;
}

/** A whole envelope: its `params`, ordered by ascending index. */
export interface Envelope {
  params: EnvelopeParams[];
}

/** All `params` merged: later indexes override earlier ones; every `received` stamp kept. */
export interface EnvelopeView extends Omit<EnvelopeParams, "index" | "received"> {
  /** The `received` stamps in index order (oldest hop first). */
  received: ReceivedStamp[];
}

const Text = z.string().max(65536);
const IsoDate = z.iso.datetime({ offset: true, local: true });
const AidList = z.array(AgentIdentifierSchema).min(1).max(1024);

/** Schema of a received stamp. */
export const ReceivedStampSchema: z.ZodType<ReceivedStamp> = z.strictObject({
  by: Text.optional(),
  from: Text.optional(),
  date: IsoDate.optional(),
  id: Text.optional(),
  via: Text.optional(),
});

/** Schema of one `params`; what the parser yields and what the builder accepts. */
export const EnvelopeParamsSchema: z.ZodType<EnvelopeParams> = z.strictObject({
  index: z.number().int().positive(),
  to: AidList.optional(),
  from: AgentIdentifierSchema.optional(),
  comments: Text.optional(),
  acl_representation: z.string().min(1).max(256).optional(),
  payload_length: z.number().int().nonnegative().optional(),
  payload_encoding: z.string().min(1).max(64).optional(),
  date: IsoDate.optional(),
  encrypted: z.array(Text).max(64).optional(),
  intended_receiver: AidList.optional(),
  received: ReceivedStampSchema.optional(),
  transport_behaviour: Text.optional(),
  user_defined: z.record(z.string().min(1).max(256), Text).optional(),
}) as unknown as z.ZodType<EnvelopeParams>;

/** Schema of an envelope: 1–64 `params` with distinct indexes. */
export const EnvelopeSchema: z.ZodType<Envelope> = z.strictObject({
  params: z.array(EnvelopeParamsSchema).min(1).max(64).refine(
    (ps) => new Set(ps.map((p) => p.index)).size === ps.length,
    "params indexes must be distinct",
  ),
});

/** A `malformed-envelope` error naming the element, e.g. `envelope/params[index=1]/date`. */
export function envelopeError(element: string, message: string): MtpError {
  return new MtpError("malformed-envelope", `Invalid envelope: ${element}: ${message}`, {
    element,
  });
}

const AID_HOLDERS = new Set(["to", "intended-receiver", "resolvers"]);

/** Turns a zod issue path into the element path it came from. */
function elementPath(env: Envelope, path: PropertyKey[]): string {
  const out = ["envelope"];
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (seg === "params" && typeof path[i + 1] === "number") {
      const p = env.params[path[i + 1] as number];
      out.push(`params[index=${p?.index ?? (path[i + 1] as number) + 1}]`);
      i++;
    } else if (typeof seg === "number") {
      const holder = out[out.length - 1];
      if (AID_HOLDERS.has(holder)) out.push(`agent-identifier[${seg + 1}]`);
      else if (holder === "addresses") out.push(`url[${seg + 1}]`);
      else out[out.length - 1] += `[${seg + 1}]`;
    } else {
      const name = String(seg).replaceAll("_", "-");
      out.push(name === "user-params" ? "user-defined" : name);
      if (name === "from") out.push("agent-identifier");
    }
  }
  return out.join("/");
}

const MAX_TEXT = 65536;
const PARAMS_KEYS: ReadonlySet<string> = new Set([
  "index",
  "to",
  "from",
  "comments",
  "acl_representation",
  "payload_length",
  "payload_encoding",
  "date",
  "encrypted",
  "intended_receiver",
  "received",
  "transport_behaviour",
  "user_defined",
]);
const STAMP_KEYS: ReadonlySet<string> = new Set(["by", "from", "date", "id", "via"]);

function isText(v: unknown, min = 0, max = MAX_TEXT): boolean {
  return typeof v === "string" && v.length >= min && v.length <= max;
}

function isDate(v: unknown): boolean {
  return typeof v === "string" && IsoDate.safeParse(v).success;
}

function isAidList(v: unknown): boolean {
  if (!Array.isArray(v) || v.length < 1 || v.length > 1024) return false;
  for (const id of v) if (!isCanonicalAid(id)) return false;
  return true;
}

function isStamp(v: unknown): boolean {
  if (!isPlainRecord(v) || !hasOnlyKeys(v, STAMP_KEYS)) return false;
  return (v.by === undefined || isText(v.by)) && (v.from === undefined || isText(v.from)) &&
    (v.date === undefined || isDate(v.date)) && (v.id === undefined || isText(v.id)) &&
    (v.via === undefined || isText(v.via));
}

function isParams(p: unknown): boolean {
  if (!isPlainRecord(p) || !hasOnlyKeys(p, PARAMS_KEYS)) return false;
  if (!Number.isSafeInteger(p.index) || (p.index as number) < 1) return false;
  if (p.to !== undefined && !isAidList(p.to)) return false;
  if (p.from !== undefined && !isCanonicalAid(p.from)) return false;
  if (p.comments !== undefined && !isText(p.comments)) return false;
  if (p.acl_representation !== undefined && !isText(p.acl_representation, 1, 256)) return false;
  if (
    p.payload_length !== undefined &&
    (!Number.isSafeInteger(p.payload_length) || (p.payload_length as number) < 0)
  ) return false;
  if (p.payload_encoding !== undefined && !isText(p.payload_encoding, 1, 64)) return false;
  if (p.date !== undefined && !isDate(p.date)) return false;
  if (p.encrypted !== undefined) {
    if (!Array.isArray(p.encrypted) || p.encrypted.length > 64) return false;
    for (const e of p.encrypted) if (!isText(e)) return false;
  }
  if (p.intended_receiver !== undefined && !isAidList(p.intended_receiver)) return false;
  if (p.received !== undefined && !isStamp(p.received)) return false;
  if (p.transport_behaviour !== undefined && !isText(p.transport_behaviour)) return false;
  if (p.user_defined !== undefined) {
    const u = p.user_defined;
    if (!isPlainRecord(u)) return false;
    for (const k of Object.keys(u)) {
      if (k.length < 1 || k.length > 256 || !isText(u[k])) return false;
    }
  }
  return true;
}

/**
 * Whether `env` certainly passes {@link EnvelopeSchema} and comes out of it unchanged: a
 * hand-written walk of the same rules, many times cheaper than the schema (every envelope in
 * and out goes through it). `false` does not mean invalid: the schema then decides, and names
 * what is wrong.
 */
export function isCanonicalEnvelope(env: unknown): env is Envelope {
  if (!isPlainRecord(env) || !hasOnlyKeys(env, ENVELOPE_KEYS)) return false;
  const ps = env.params;
  if (!Array.isArray(ps) || ps.length < 1 || ps.length > 64) return false;
  const indexes = new Set<unknown>();
  for (const p of ps) {
    if (!isParams(p)) return false;
    indexes.add((p as EnvelopeParams).index);
  }
  return indexes.size === ps.length;
}
const ENVELOPE_KEYS: ReadonlySet<string> = new Set(["params"]);

/** Validates an envelope against {@link EnvelopeSchema}, naming the bad element. */
export function validateEnvelope(env: Envelope): Envelope {
  if (isCanonicalEnvelope(env)) return env;
  const r = EnvelopeSchema.safeParse(env);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw envelopeError(elementPath(env, issue.path), issue.message);
  }
  return r.data;
}

/**
 * Merges the `params` of an envelope: for every field the value from the highest index that
 * has it wins (`user_defined` merges key by key); `received` collects every stamp.
 */
export function effectiveEnvelope(envelope: Envelope): EnvelopeView {
  const view: EnvelopeView = { received: [] };
  const fields = view as unknown as Record<string, unknown>;
  const ordered = envelope.params.length === 1
    ? envelope.params
    : [...envelope.params].sort((a, b) => a.index - b.index);
  for (const p of ordered) {
    for (const [k, v] of Object.entries(p)) {
      if (v === undefined || k === "index" || k === "received" || k === "user_defined") continue;
      fields[k] = v;
    }
    if (p.user_defined) view.user_defined = { ...view.user_defined, ...p.user_defined };
    if (p.received) view.received.push(p.received);
  }
  return view;
}

/**
 * Who a message must be delivered to (SC00067): the latest `intended-receiver` when present,
 * otherwise `to`. Empty when the envelope names neither.
 */
export function envelopeReceivers(view: EnvelopeView): AgentIdentifier[] {
  return view.intended_receiver ?? view.to ?? [];
}
