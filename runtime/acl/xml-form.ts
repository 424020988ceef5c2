/**
 * The FIPA ACL XML representation (SC00071, `fipa.acl.rep.xml.std`): a message is
 * `<fipa-message act="inform" conversation-id="…">` with `<sender>`, `<receiver>`,
 * `<reply-to>` (each holding `<agent-identifier>`s: `<name id="…"/>`, `<addresses><url
 * href="…"/></addresses>`, `<resolvers>`, `<user-defined href="X-…">…</user-defined>`),
 * `<content>`, `<language>`, `<encoding>`, `<ontology>`, `<protocol>`, `<reply-with>`,
 * `<in-reply-to>`, `<reply-by time="20021231T235959000Z"/>` and message-level
 * `<user-defined href="X-…">…</user-defined>`.
 *
 * The reader is lenient where implementations differ: `conversation-id` as attribute or
 * element, a name as `id` attribute or text, `protocol` and `reply-by` as text or attribute
 * (`href`, `time`), elements in any order and case. The writer writes one canonical form that
 * the reader turns back into an equal model.
 * @module
 */
import { AclError } from "./acl-error.ts";
import { type AgentIdentifier, MAX_AID_NESTING } from "./agent-id.ts";
import { fipaDateTimeToIso, isoToFipaDateTime, readFipaDateTime } from "./fipa-datetime.ts";
import { zodIssues } from "./json-form.ts";
import { type AclMessage, AclMessageSchema, TEXT_PARAMS } from "./message.ts";
import { isPerformative } from "./performative.ts";
import {
  escapeXmlAttr,
  escapeXmlText,
  isXmlSafe,
  parseXml,
  type XmlElement,
  XmlSyntaxError,
} from "./xml-tree.ts";

/** The representation name an envelope's `acl-representation` carries for this form. */
export const ACL_XML_REPRESENTATION = "fipa.acl.rep.xml.std";

const ELEMENT_OF: Record<typeof TEXT_PARAMS[number], string> = {
  language: "language",
  encoding: "encoding",
  ontology: "ontology",
  protocol: "protocol",
  conversation_id: "conversation-id",
  reply_with: "reply-with",
  in_reply_to: "in-reply-to",
};

function fail(message: string, path: (string | number)[] = []): never {
  throw new AclError(`Invalid XML ACL message: ${message}`, [{ path, message }]);
}

/** Text for element content: escaped, with CR kept (XML would turn it into LF). */
function text(s: string, path: (string | number)[]): string {
  if (!isXmlSafe(s)) fail("a value holds a character XML 1.0 cannot carry", path);
  return escapeXmlText(s).replaceAll("\r", "&#13;");
}

function attr(s: string, path: (string | number)[]): string {
  if (!isXmlSafe(s)) fail("a value holds a character XML 1.0 cannot carry", path);
  return escapeXmlAttr(s);
}

function writeAid(id: AgentIdentifier, path: (string | number)[], depth: number): string {
  if (depth > MAX_AID_NESTING) fail(`resolvers nest deeper than ${MAX_AID_NESTING}`, path);
  let out = `<agent-identifier><name id="${attr(id.name, [...path, "name"])}"/>`;
  if (id.addresses.length) {
    out += `<addresses>${
      id.addresses.map((a, i) => `<url href="${attr(a, [...path, "addresses", i])}"/>`).join("")
    }</addresses>`;
  }
  if (id.resolvers.length) {
    out += `<resolvers>${
      id.resolvers.map((r, i) => writeAid(r, [...path, "resolvers", i], depth + 1)).join("")
    }</resolvers>`;
  }
  for (const [k, v] of Object.entries(id.user_params)) {
    out += userDefined(k, v, [...path, "user_params", k]);
  }
  return out + "</agent-identifier>";
}

function userDefined(key: string, value: string, path: (string | number)[]): string {
  return `<user-defined href="${attr(key, path)}">${text(value, path)}</user-defined>`;
}

/**
 * Writes a message in the XML representation (SC00071). Non-string content is written as
 * its JSON text, as the string form does.
 *
 * @throws {AclError} when a value holds a character XML 1.0 cannot carry, or `reply_by` is
 *   not ISO 8601.
 * @example
 * ```ts
 * toAclXml({ performative: "inform", receivers: [aid("b@p")], content: "hi" });
 * // '<?xml version="1.0"?>\n<fipa-message act="inform"><receiver>…</receiver><content>hi</content></fipa-message>'
 * ```
 */
export function toAclXml(msg: AclMessage): string {
  const cid = msg.conversation_id === undefined
    ? ""
    : ` conversation-id="${attr(msg.conversation_id, ["conversation_id"])}"`;
  let out = `<?xml version="1.0"?>\n<fipa-message act="${msg.performative}"${cid}>`;
  if (msg.sender) out += `<sender>${writeAid(msg.sender, ["sender"], 1)}</sender>`;
  if (msg.receivers.length) {
    out += `<receiver>${
      msg.receivers.map((r, i) => writeAid(r, ["receivers", i], 1)).join("")
    }</receiver>`;
  }
  if (msg.reply_to) {
    out += `<reply-to>${
      msg.reply_to.map((r, i) => writeAid(r, ["reply_to", i], 1)).join("")
    }</reply-to>`;
  }
  if (msg.content !== undefined) {
    const c = typeof msg.content === "string" ? msg.content : JSON.stringify(msg.content);
    out += `<content>${text(c, ["content"])}</content>`;
  }
  for (const k of TEXT_PARAMS) {
    const v = msg[k];
    if (v === undefined || k === "conversation_id") continue;
    out += `<${ELEMENT_OF[k]}>${text(v, [k])}</${ELEMENT_OF[k]}>`;
  }
  if (msg.reply_by !== undefined) {
    const r = isoToFipaDateTime(msg.reply_by);
    if (typeof r === "string") fail(r, ["reply_by"]);
    out += `<reply-by time="${r.token}"/>`;
  }
  for (const [k, v] of Object.entries(msg.user_params ?? {})) {
    out += userDefined(k, v, ["user_params", k]);
  }
  return out + "</fipa-message>";
}

function setOwn(obj: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function readUserDefined(el: XmlElement, into: Record<string, string>, where: string): void {
  const key = el.attrs["href"];
  if (key === undefined || key === "") fail(`<user-defined> in ${where} needs an href naming it`);
  if (Object.hasOwn(into, key)) fail(`duplicate user-defined parameter '${key}' in ${where}`);
  setOwn(into, key, el.text);
}

function readAid(el: XmlElement, depth: number): AgentIdentifier {
  if (el.name !== "agent-identifier") fail(`expected <agent-identifier>, found <${el.name}>`);
  if (depth > MAX_AID_NESTING) fail(`resolvers nest deeper than ${MAX_AID_NESTING}`);
  const id: AgentIdentifier = { name: "", addresses: [], resolvers: [], user_params: {} };
  let named = false;
  for (const c of el.children) {
    switch (c.name) {
      case "name":
        if (named) fail("an agent-identifier has more than one <name>");
        named = true;
        id.name = c.attrs["id"] ?? c.attrs["refid"] ?? c.text.trim();
        break;
      case "addresses":
        for (const u of c.children) {
          if (u.name !== "url") fail(`expected <url> in <addresses>, found <${u.name}>`);
          id.addresses.push(u.attrs["href"] ?? u.text.trim());
        }
        break;
      case "resolvers":
        for (const r of c.children) id.resolvers.push(readAid(r, depth + 1));
        break;
      case "user-defined":
        readUserDefined(c, id.user_params, "agent-identifier");
        break;
      default:
        fail(`unknown element <${c.name}> in <agent-identifier>`);
    }
  }
  if (!named || id.name === "") fail("an agent-identifier needs a <name>");
  return id;
}

function aids(el: XmlElement): AgentIdentifier[] {
  return el.children.map((c) => readAid(c, 1));
}

function readReplyBy(el: XmlElement, now?: number): string {
  const token = (el.attrs["time"] ?? el.text).trim();
  const dt = readFipaDateTime(token);
  if (typeof dt === "string") fail(`invalid <reply-by> '${token.slice(0, 40)}': ${dt}`);
  const r = fipaDateTimeToIso(dt, now);
  if (typeof r === "string") fail(`invalid <reply-by> '${token.slice(0, 40)}': ${r}`);
  return r.iso;
}

/** Options of {@link parseAclXml}. */
export interface ParseAclXmlOptions {
  /** Now (epoch ms), to resolve a relative `reply-by`; without it one is refused. */
  now?: number;
}

/**
 * Parses one message in the XML representation (SC00071) into the model.
 *
 * @throws {AclError} for XML that is not well-formed, an unknown act or element, or values
 *   the model refuses (each naming what is wrong).
 */
export function parseAclXml(xml: string, opts: ParseAclXmlOptions = {}): AclMessage {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (e) {
    if (e instanceof XmlSyntaxError) fail(e.message);
    throw e;
  }
  if (root.name !== "fipa-message") fail(`the root element is <${root.name}>, not <fipa-message>`);
  const act = (root.attrs["act"] ?? "").trim().toLowerCase();
  if (!isPerformative(act)) fail(`act '${act.slice(0, 40)}' is not a FIPA performative`, ["act"]);
  const msg: AclMessage = { performative: act, receivers: [] };
  if (root.attrs["conversation-id"] !== undefined) {
    msg.conversation_id = root.attrs["conversation-id"];
  }
  const seen = new Set<string>();
  const user: Record<string, string> = {};
  for (const c of root.children) {
    if (c.name !== "user-defined" && c.name !== "receiver" && seen.has(c.name)) {
      fail(`duplicate element <${c.name}>`);
    }
    seen.add(c.name);
    switch (c.name) {
      case "sender": {
        const [s, ...more] = aids(c);
        if (!s || more.length) fail("<sender> holds exactly one agent-identifier", ["sender"]);
        msg.sender = s;
        break;
      }
      case "receiver":
        msg.receivers.push(...aids(c));
        break;
      case "reply-to":
        msg.reply_to = aids(c);
        break;
      case "content":
        msg.content = c.text;
        break;
      case "protocol":
        msg.protocol = (c.attrs["href"] ?? c.text).trim();
        break;
      case "reply-by":
        msg.reply_by = readReplyBy(c, opts.now);
        break;
      case "user-defined":
        readUserDefined(c, user, "fipa-message");
        break;
      default: {
        const k = TEXT_PARAMS.find((p) => ELEMENT_OF[p] === c.name);
        if (k === undefined) fail(`unknown element <${c.name}> in <fipa-message>`);
        if (k === "conversation_id" && msg.conversation_id !== undefined) {
          fail("conversation-id given twice (attribute and element)");
        }
        msg[k] = c.text;
      }
    }
  }
  if (Object.keys(user).length) msg.user_params = user;
  const checked = AclMessageSchema.safeParse(msg);
  if (!checked.success) {
    const issues = zodIssues(checked.error);
    const first = issues[0];
    throw new AclError(
      `Invalid XML ACL message: ${first.path?.join(".") || "message"}: ${first.message}`,
      issues,
    );
  }
  return msg;
}
