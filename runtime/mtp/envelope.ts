/**
 * The FIPA message envelope (SC00067) in its XML representation (SC00085,
 * `fipa.mts.env.rep.xml.std`): parse, build, and the effective view of several `params`.
 *
 * ```xml
 * <envelope><params index="1">
 *   <to><agent-identifier><name>a@x</name><addresses><url>http://x:7778/acc</url></addresses>
 *   </agent-identifier></to>
 *   <from>...</from><comments>..</comments><acl-representation>fipa.acl.rep.string.std
 *   </acl-representation><payload-length>488</payload-length><payload-encoding>UTF-8
 *   </payload-encoding><date>20261121T074219961Z</date><intended-receiver>...</intended-receiver>
 *   <received><received-by value=".."/><received-date value=".."/></received>
 *   <user-defined href="X-key">value</user-defined>
 * </params></envelope>
 * ```
 *
 * Each message transport that forwards a message adds a `params` with a higher `index`; its
 * fields override those of lower indexes (`effectiveEnvelope` in `envelope-model.ts`).
 * @module
 */
import type { AgentIdentifier } from "../acl/mod.ts";
import {
  type Envelope,
  envelopeError,
  type EnvelopeParams,
  type ReceivedStamp,
  validateEnvelope,
} from "./envelope-model.ts";
import { parseFipaDate } from "./fipa-date.ts";
import { MtpError } from "./mtp-error.ts";
import { parseXml, type XmlElement, XmlSyntaxError } from "../acl/mod.ts";

/** Limits for {@link parseEnvelopeXml}. */
export interface EnvelopeLimits {
  /** Longest envelope text accepted, in UTF-16 code units. Default 65536. */
  maxChars: number;
}

const DEFAULT_LIMITS: EnvelopeLimits = { maxChars: 65536 };
const MAX_RESOLVER_DEPTH = 4;
/** Text of an element that must hold only text. */
function leafText(el: XmlElement, path: string): string {
  if (el.children.length) {
    throw envelopeError(path, `must hold text, found element <${el.children[0].name}>`);
  }
  return el.text.trim();
}

/** The value of an element written either as text or (older drafts) as an attribute. */
function textOrAttr(el: XmlElement, path: string, attr: string): string {
  const fromAttr = el.attrs[attr];
  const text = leafText(el, path);
  return text === "" && fromAttr !== undefined ? fromAttr.trim() : text;
}

function parseAid(el: XmlElement, path: string, depth: number): AgentIdentifier {
  const id: AgentIdentifier = { name: "", addresses: [], resolvers: [], user_params: {} };
  let named = false;
  for (const [i, child] of el.children.entries()) {
    const p = `${path}/${child.name}`;
    switch (child.name) {
      case "name":
        if (named) throw envelopeError(p, "agent-identifier has more than one name");
        id.name = textOrAttr(child, p, "id");
        named = true;
        break;
      case "addresses":
        for (const [j, url] of child.children.entries()) {
          const up = `${p}/${url.name}[${j + 1}]`;
          if (url.name !== "url") throw envelopeError(up, "addresses may only hold <url> elements");
          const value = textOrAttr(url, up, "href");
          if (value === "") throw envelopeError(up, "url is empty");
          id.addresses.push(value);
        }
        break;
      case "resolvers":
        if (depth >= MAX_RESOLVER_DEPTH) {
          throw envelopeError(p, `resolvers nest deeper than ${MAX_RESOLVER_DEPTH} levels`);
        }
        for (const [j, r] of child.children.entries()) {
          const rp = `${p}/${r.name}[${j + 1}]`;
          if (r.name !== "agent-identifier") {
            throw envelopeError(rp, "resolvers may only hold <agent-identifier> elements");
          }
          id.resolvers.push(parseAid(r, rp, depth + 1));
        }
        break;
      case "user-defined": {
        const key = child.attrs["href"]?.trim();
        if (!key) {
          throw envelopeError(`${p}[${i + 1}]`, "user-defined needs an href attribute naming it");
        }
        id.user_params[key] = leafText(child, p);
        break;
      }
      default:
        throw envelopeError(p, "is not an element of agent-identifier");
    }
  }
  if (!named || id.name === "") throw envelopeError(`${path}/name`, "agent-identifier has no name");
  return id;
}

/** The agent identifiers inside `<to>`, `<from>`, `<intended-receiver>`. */
function parseAidList(el: XmlElement, path: string): AgentIdentifier[] {
  if (el.text.trim() !== "") {
    throw envelopeError(path, `must hold agent-identifier elements, not text`);
  }
  if (!el.children.length) throw envelopeError(path, "holds no agent-identifier");
  return el.children.map((c, i) => {
    const p = `${path}/${c.name}[${i + 1}]`;
    if (c.name !== "agent-identifier") {
      throw envelopeError(p, "only agent-identifier is allowed here");
    }
    return parseAid(c, p, 0);
  });
}

function parseDate(text: string, path: string): string {
  try {
    return parseFipaDate(text);
  } catch (e) {
    throw envelopeError(path, (e as Error).message);
  }
}

function parseReceived(el: XmlElement, path: string): ReceivedStamp {
  const stamp: ReceivedStamp = {};
  for (const child of el.children) {
    const p = `${path}/${child.name}`;
    const value = (child.attrs["value"] ?? leafText(child, p)).trim();
    switch (child.name) {
      case "received-by":
        stamp.by = value;
        break;
      case "received-from":
        stamp.from = value;
        break;
      case "received-date":
        stamp.date = parseDate(value, p);
        break;
      case "received-id":
        stamp.id = value;
        break;
      case "received-via":
        stamp.via = value;
        break;
      default:
        throw envelopeError(p, "is not an element of received");
    }
  }
  return stamp;
}

function parseParams(el: XmlElement, position: number): EnvelopeParams {
  const rawIndex = el.attrs["index"];
  const at = `envelope/params[${position}]`;
  if (rawIndex === undefined) throw envelopeError(at, "params needs an index attribute");
  if (!/^\s*\d{1,9}\s*$/.test(rawIndex) || Number(rawIndex) < 1) {
    throw envelopeError(at, `index '${rawIndex}' is not a positive integer`);
  }
  const index = Number(rawIndex);
  const path = `envelope/params[index=${index}]`;
  const params: EnvelopeParams = { index };
  const once = new Set<string>();
  for (const child of el.children) {
    const p = `${path}/${child.name}`;
    const single = (name: string) => {
      if (once.has(name)) throw envelopeError(p, `${name} appears more than once in one params`);
      once.add(name);
    };
    switch (child.name) {
      case "to":
        // JADE writes one <to> per receiver; the DTD one <to> holding them all. Take both.
        params.to = [...(params.to ?? []), ...parseAidList(child, p)];
        break;
      case "intended-receiver":
        params.intended_receiver = [
          ...(params.intended_receiver ?? []),
          ...parseAidList(child, p),
        ];
        break;
      case "from": {
        single("from");
        const list = parseAidList(child, p);
        if (list.length !== 1) throw envelopeError(p, "from holds exactly one agent-identifier");
        params.from = list[0];
        break;
      }
      case "comments":
        single("comments");
        params.comments = leafText(child, p);
        break;
      case "acl-representation":
        single("acl-representation");
        params.acl_representation = leafText(child, p);
        if (!params.acl_representation) throw envelopeError(p, "is empty");
        break;
      case "payload-length": {
        single("payload-length");
        const t = leafText(child, p);
        if (!/^\d{1,15}$/.test(t)) throw envelopeError(p, `'${t}' is not a non-negative integer`);
        params.payload_length = Number(t);
        break;
      }
      case "payload-encoding":
        single("payload-encoding");
        params.payload_encoding = leafText(child, p);
        if (!params.payload_encoding) throw envelopeError(p, "is empty");
        break;
      case "date":
        single("date");
        params.date = parseDate(leafText(child, p), p);
        break;
      case "encrypted":
        params.encrypted = [...(params.encrypted ?? []), leafText(child, p)];
        break;
      case "received":
        single("received");
        params.received = parseReceived(child, p);
        break;
      case "transport-behaviour":
        single("transport-behaviour");
        params.transport_behaviour = leafText(child, p);
        break;
      case "user-defined": {
        const key = child.attrs["href"]?.trim();
        if (!key) throw envelopeError(p, "user-defined needs an href attribute naming it");
        params.user_defined = { ...params.user_defined, [key]: leafText(child, p) };
        break;
      }
      default:
        // SC00085 lets a platform define its own elements instead of user-defined ones.
        if (child.children.length) throw envelopeError(p, "is not an envelope parameter");
        params.user_defined = { ...params.user_defined, [child.name]: child.text.trim() };
    }
  }
  return params;
}

/**
 * Parses an XML envelope (SC00085). Element names are matched case-insensitively (as JADE
 * does), namespace prefixes are ignored, values are trimmed. `params` come back sorted by
 * index. Dates are ISO 8601 (JADE's `20261121Z074219961` form is accepted).
 *
 * @throws {MtpError} `malformed-envelope` naming the offending element, e.g.
 * `envelope/params[index=1]/payload-length: 'abc' is not a non-negative integer`;
 * `too-large` beyond {@link EnvelopeLimits.maxChars}.
 * @example
 * ```ts
 * const env = parseEnvelopeXml(xml);
 * effectiveEnvelope(env).to?.[0].name; // "test"
 * ```
 */
export function parseEnvelopeXml(xml: string, limits: Partial<EnvelopeLimits> = {}): Envelope {
  const { maxChars } = { ...DEFAULT_LIMITS, ...limits };
  if (xml.length > maxChars) {
    throw new MtpError(
      "too-large",
      `Envelope of ${xml.length} characters exceeds the limit of ${maxChars}`,
      { limit: maxChars },
    );
  }
  let root: XmlElement;
  try {
    root = parseXml(xml.trim());
  } catch (e) {
    if (e instanceof XmlSyntaxError) {
      throw new MtpError("malformed-envelope", `Invalid envelope: ${e.message}`, {
        element: "envelope",
        line: e.line,
        column: e.column,
      });
    }
    throw e;
  }
  if (root.name !== "envelope") {
    throw envelopeError(root.name, "the root element must be <envelope>");
  }
  if (root.text.trim() !== "") {
    throw envelopeError("envelope", "must hold params elements, not text");
  }
  const params = root.children.map((c, i) => {
    if (c.name !== "params") {
      throw envelopeError(`envelope/${c.name}`, "envelope may only hold <params>");
    }
    return parseParams(c, i + 1);
  });
  if (!params.length) throw envelopeError("envelope", "has no params");
  const seen = new Set<number>();
  for (const p of params) {
    if (seen.has(p.index)) {
      throw envelopeError(`envelope/params[index=${p.index}]`, "index is repeated");
    }
    seen.add(p.index);
  }
  params.sort((a, b) => a.index - b.index);
  return validateEnvelope({ params });
}
