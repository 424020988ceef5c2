/**
 * Writing the XML envelope (SC00085) for outbound HTTP MTP messages.
 * @module
 */
import type { AgentIdentifier } from "../acl/mod.ts";
import {
  type Envelope,
  envelopeError,
  type EnvelopeParams,
  validateEnvelope,
} from "./envelope-model.ts";
import { formatFipaDate } from "./fipa-date.ts";
import { escapeXmlAttr, escapeXmlText, isXmlSafe } from "../acl/mod.ts";

function checkedText(value: string, element: string): string {
  if (!isXmlSafe(value)) throw envelopeError(element, "holds a character XML cannot carry");
  return escapeXmlText(value);
}

function checkedAttr(value: string, element: string): string {
  if (!isXmlSafe(value)) throw envelopeError(element, "holds a character XML cannot carry");
  return escapeXmlAttr(value);
}

function tag(name: string, value: string, path: string): string {
  return `<${name}>${checkedText(value, `${path}/${name}`)}</${name}>`;
}

function userDefined(key: string, value: string, path: string): string {
  // JADE's decoder dereferences the `type` attribute without a null check, so always send it.
  return `<user-defined href="${checkedAttr(key, path)}" type="string">` +
    `${checkedText(value, path)}</user-defined>`;
}

function aidXml(id: AgentIdentifier, path: string): string {
  let s = `<agent-identifier>${tag("name", id.name, path)}`;
  if (id.addresses.length) {
    s += `<addresses>${id.addresses.map((u) => tag("url", u, `${path}/addresses`)).join("")}` +
      `</addresses>`;
  }
  if (id.resolvers.length) {
    s += `<resolvers>${id.resolvers.map((r) => aidXml(r, `${path}/resolvers`)).join("")}` +
      `</resolvers>`;
  }
  for (const [k, v] of Object.entries(id.user_params)) {
    s += userDefined(k, v, `${path}/user-defined`);
  }
  return `${s}</agent-identifier>`;
}

function dateText(value: string, path: string): string {
  try {
    return formatFipaDate(value);
  } catch (e) {
    throw envelopeError(path, (e as Error).message);
  }
}

function paramsXml(p: EnvelopeParams): string {
  const path = `envelope/params[index=${p.index}]`;
  let s = `<params index="${p.index}">`;
  const aids = (name: string, ids: AgentIdentifier[]) =>
    `<${name}>${
      ids.map((id) => aidXml(id, `${path}/${name}/agent-identifier`)).join("")
    }</${name}>`;
  if (p.to) s += aids("to", p.to);
  if (p.from) s += aids("from", [p.from]);
  if (p.comments !== undefined) s += tag("comments", p.comments, path);
  if (p.acl_representation !== undefined) {
    s += tag("acl-representation", p.acl_representation, path);
  }
  if (p.payload_length !== undefined) s += tag("payload-length", String(p.payload_length), path);
  if (p.payload_encoding !== undefined) s += tag("payload-encoding", p.payload_encoding, path);
  if (p.date !== undefined) s += `<date>${dateText(p.date, `${path}/date`)}</date>`;
  for (const e of p.encrypted ?? []) s += tag("encrypted", e, path);
  if (p.intended_receiver) s += aids("intended-receiver", p.intended_receiver);
  if (p.received) {
    const r = p.received;
    const rp = `${path}/received`;
    const one = (name: string, v: string | undefined) =>
      v === undefined ? "" : `<${name} value="${checkedAttr(v, `${rp}/${name}`)}"/>`;
    s += `<received>${one("received-by", r.by)}${one("received-from", r.from)}` +
      `${one("received-date", r.date && dateText(r.date, `${rp}/received-date`))}` +
      `${one("received-id", r.id)}${one("received-via", r.via)}</received>`;
  }
  if (p.transport_behaviour !== undefined) {
    s += tag("transport-behaviour", p.transport_behaviour, path);
  }
  for (const [k, v] of Object.entries(p.user_defined ?? {})) {
    s += userDefined(k, v, `${path}/user-defined`);
  }
  return `${s}</params>`;
}

/**
 * Writes an envelope (or a single `params`, given index 1 if it has none) as SC00085 XML:
 * an XML declaration and one line, params in ascending index, dates in the spec's
 * `YYYYMMDDThhmmssmmmZ` form. Several receivers go into one `<to>` as the DTD says (JADE reads
 * only one agent per `<to>`; send one receiver per envelope to talk to JADE).
 *
 * @throws {MtpError} `malformed-envelope` naming the field when the input fails
 * {@link EnvelopeSchema} or holds characters XML cannot carry.
 * @example
 * ```ts
 * buildEnvelopeXml({ index: 1, to: [aid("a@x", ["http://x/acc"])], date: "2026-11-21T07:42:19.961Z" });
 * ```
 */
export function buildEnvelopeXml(
  envelope: Envelope | (Omit<EnvelopeParams, "index"> & { index?: number }),
): string {
  let env: Envelope;
  if ("params" in envelope && Array.isArray(envelope.params)) env = envelope as Envelope;
  else {
    const single = envelope as Omit<EnvelopeParams, "index"> & { index?: number };
    env = { params: [{ ...single, index: single.index ?? 1 }] };
  }
  const valid = validateEnvelope(env);
  const params = [...valid.params].sort((a, b) => a.index - b.index);
  return `<?xml version="1.0"?>\n<envelope>${params.map(paramsXml).join("")}</envelope>`;
}
