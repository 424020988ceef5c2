/**
 * Writing the few FIPA-SL terms the transport needs (agent identifiers, words, strings) for
 * AMS answers such as delivery failures and the platform description.
 * @module
 */
import type { AgentIdentifier } from "../acl/mod.ts";

/** An SL Word as written, or a String when the text is not a valid Word. */
export function slTerm(text: string): string {
  // SC00070 Word: no whitespace, parentheses or quotes; may not start with #, a digit, - or @.
  if (/^[^\s()"#0-9\-@][^\s()"]*$/.test(text)) return text;
  return slString(text);
}

/** An SL String for `text`, made safe to nest inside an ACL `:content` string (see below). */
export function slString(text: string): string {
  return `"${slStringBody(text)}"`;
}

/**
 * Makes text safe inside an SL String that itself ends up inside the ACL `:content` string:
 * quotes become `'`, backslashes `/`, line breaks spaces, so that no escaping is needed at
 * either level (SC00070 knows only `\"`, and nested escapes are where parsers disagree).
 */
function slStringBody(text: string): string {
  return text.replaceAll("\\", "/").replace(/[\r\n\t]+/g, " ").replaceAll('"', "'");
}

/** An agent identifier as an SL term: name and addresses (enough to route a reply). */
export function slAgentIdentifier(id: AgentIdentifier): string {
  const addresses = id.addresses.length
    ? ` :addresses (sequence ${id.addresses.map(slTerm).join(" ")})`
    : "";
  return `(agent-identifier :name ${slTerm(id.name)}${addresses})`;
}
