/**
 * The FIPA message envelope model (SC00067 §4): its `params`, their zod schemas, and the
 * effective view of several `params` (later indexes override earlier ones).
 * @module
 */
import { z } from "zod";
import { type AgentIdentifier, AgentIdentifierSchema } from "../acl/mod.ts";
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

/** Validates an envelope against {@link EnvelopeSchema}, naming the bad element. */
export function validateEnvelope(env: Envelope): Envelope {
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
  const ordered = [...envelope.params].sort((a, b) => a.index - b.index);
  for (const p of ordered) {
    const { index: _index, received, user_defined, ...fields } = p;
    Object.assign(
      view,
      Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
    );
    if (user_defined) view.user_defined = { ...view.user_defined, ...user_defined };
    if (received) view.received.push(received);
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
