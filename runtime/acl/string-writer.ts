/**
 * The canonical writer of the FIPA ACL string representation. It writes what the parser
 * reads back into an equal model, and never writes the forms the corpus calls ambiguous
 * (adjacent tokens after a string, bare-word user slots).
 * @module
 */
import { AclError } from "./acl-error.ts";
import type { AgentIdentifier } from "./agent-id.ts";
import { isoToFipaDateTime } from "./fipa-datetime.ts";
import { type AclMessage, TEXT_PARAMS } from "./message.ts";
import { ACL_MAX_DEPTH, AclLexer, atomKind, utf8Length } from "./string-lexer.ts";

/** Options of {@link writeAclString}. */
export interface AclStringWriteOptions {
  /** One parameter per line, indented, instead of a single line. */
  pretty?: boolean;
}

const PARAM_NAMES: Record<typeof TEXT_PARAMS[number], string> = {
  language: ":language",
  encoding: ":encoding",
  ontology: ":ontology",
  protocol: ":protocol",
  conversation_id: ":conversation-id",
  reply_with: ":reply-with",
  in_reply_to: ":in-reply-to",
};

/**
 * A string literal for `value`: quoted with `"` escaped as `\"`, or, when that cannot
 * round-trip (the value ends with a backslash), the byte-length form `#N"...`.
 *
 * @example
 * ```ts
 * aclStringLiteral('say "hi"'); // '"say \\"hi\\""'
 * aclStringLiteral("C:\\"); // '#3"C:\\'
 * ```
 */
export function aclStringLiteral(value: string): string {
  if (value.endsWith("\\")) return `#${utf8Length(value)}"${value}`;
  return `"${value.replaceAll('"', '\\"')}"`;
}

/** Whether `text` can be written as a bare atom that the parser reads back as the same text. */
export function isBareAtom(text: string): boolean {
  if (text.length === 0 || text.charCodeAt(0) === 58) return false; // ":" reads as a name
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 40 || c === 41) return false;
  }
  const k = atomKind(text);
  return k === "word" || k === "number" || k === "datetime";
}

/**
 * Whether `text` is exactly one parenthesised expression (no surrounding whitespace) that
 * nests at most `budget` levels, so that the parser's "exact source text" gives it back.
 */
export function isParenExpression(text: string, budget: number): boolean {
  if (text.charCodeAt(0) !== 40) return false;
  const lx = new AclLexer(text);
  let depth = 0;
  try {
    for (;;) {
      const t = lx.next();
      if (t.kind === "open") {
        if (++depth > budget) return false;
      } else if (t.kind === "close") {
        if (--depth === 0) return t.end === text.length;
        if (depth < 0) return false;
      } else if (t.kind === "eof") return false;
    }
  } catch (e) {
    if (e instanceof AclError) return false;
    throw e;
  }
}

function expression(text: string, depth: number): string {
  if (isBareAtom(text)) return text;
  if (isParenExpression(text, ACL_MAX_DEPTH - depth)) return text;
  return aclStringLiteral(text);
}

function unrepresentable(path: (string | number)[], message: string): never {
  throw new AclError(`Cannot write ACL string: ${path.join(".")}: ${message}`, [
    { path, message },
  ]);
}

/**
 * `:X-name` for a user-defined parameter key (the `X-` prefix is added when missing), checked
 * against the names already written in the same message or identifier (`used`).
 */
function userParamName(key: string, path: (string | number)[], used: Set<string>): string {
  if (key.length === 0) unrepresentable(path, "a user-defined parameter name is empty");
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c <= 32 || c === 40 || c === 41) {
      unrepresentable(path, `user-defined parameter name '${key}' has whitespace or parentheses`);
    }
  }
  const name = /^x-/i.test(key) ? `:${key}` : `:X-${key}`;
  if (used.has(name)) {
    unrepresentable(
      path,
      `user-defined parameters '${key}' and '${name.slice(1)}' both write ${name}`,
    );
  }
  used.add(name);
  return name;
}

function agentIdentifier(
  id: AgentIdentifier,
  depth: number,
  path: (string | number)[],
): string {
  const d = depth + 1;
  if (d + (id.addresses.length || id.resolvers.length ? 1 : 0) > ACL_MAX_DEPTH) {
    unrepresentable(path, `agent identifiers nest deeper than ${ACL_MAX_DEPTH} levels`);
  }
  let s = `(agent-identifier :name ${isBareAtom(id.name) ? id.name : aclStringLiteral(id.name)}`;
  if (id.addresses.length) {
    const urls = id.addresses.map((a) => (isBareAtom(a) ? a : aclStringLiteral(a)));
    s += ` :addresses (sequence ${urls.join(" ")})`;
  }
  if (id.resolvers.length) {
    const rs = id.resolvers.map((r, i) => agentIdentifier(r, d + 1, [...path, "resolvers", i]));
    s += ` :resolvers (sequence ${rs.join(" ")})`;
  }
  const used = new Set<string>();
  for (const [k, v] of Object.entries(id.user_params)) {
    s += ` ${userParamName(k, [...path, "user_params", k], used)} ${expression(v, d)}`;
  }
  return s + ")";
}

function agentSet(ids: AgentIdentifier[], path: string): string {
  const items = ids.map((id, i) => agentIdentifier(id, 2, [path, i]));
  return items.length ? `(set ${items.join(" ")})` : "(set)";
}

/**
 * Writes the model in the canonical FIPA string representation: lower-case performative,
 * parameters in a fixed order (`:sender`, `:receiver`, `:reply-to`, `:content`, the
 * expression parameters in {@link TEXT_PARAMS} order, `:reply-by`, then user parameters in
 * their insertion order). Non-string content is written as a string of its JSON text.
 *
 * @throws {AclError} when the model holds something the string form cannot carry (a
 *   user-parameter name with whitespace, a `reply_by` that is not ISO 8601, resolvers
 *   nested deeper than the parser reads).
 */
export function writeAclString(msg: AclMessage, opts: AclStringWriteOptions = {}): string {
  const parts: string[] = [];
  if (msg.sender) parts.push(`:sender ${agentIdentifier(msg.sender, 1, ["sender"])}`);
  if (msg.receivers.length) parts.push(`:receiver ${agentSet(msg.receivers, "receivers")}`);
  if (msg.reply_to) parts.push(`:reply-to ${agentSet(msg.reply_to, "reply_to")}`);
  if (msg.content !== undefined) {
    const c = typeof msg.content === "string" ? msg.content : JSON.stringify(msg.content);
    parts.push(`:content ${aclStringLiteral(c)}`);
  }
  for (const k of TEXT_PARAMS) {
    const v = msg[k];
    if (v !== undefined) parts.push(`${PARAM_NAMES[k]} ${expression(v, 1)}`);
  }
  if (msg.reply_by !== undefined) {
    const r = isoToFipaDateTime(msg.reply_by);
    if (typeof r === "string") unrepresentable(["reply_by"], r);
    parts.push(`:reply-by ${r.token}`);
  }
  const used = new Set<string>();
  for (const [k, v] of Object.entries(msg.user_params ?? {})) {
    parts.push(`${userParamName(k, ["user_params", k], used)} ${expression(v, 1)}`);
  }
  if (parts.length === 0) return `(${msg.performative})`;
  const sep = opts.pretty ? "\n  " : " ";
  return `(${msg.performative}${sep}${parts.join(sep)})`;
}
