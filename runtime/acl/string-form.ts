/**
 * The FIPA ACL string representation (SC00070, message structure SC00061): parse it into the
 * model and write the model in it.
 *
 * Reading follows the SC00070 grammar with JADE's string semantics:
 * - keywords are case-insensitive (performative, `agent-identifier`, `set`, `sequence`,
 *   parameter names); the performative is normalised to lower case;
 * - a quoted string unescapes only `\"`; `#N"...` reads exactly N UTF-8 bytes;
 * - expression-valued parameters (`:language`, `:encoding`, `:ontology`, `:protocol`,
 *   `:conversation-id`, `:reply-with`, `:in-reply-to`, `:X-...`) hold the expression's
 *   text: an atom as written, a string's value, a parenthesised expression's exact source;
 *   `:content` is read the same way (SC00070 asks for a String; other forms are accepted);
 * - `:reply-by` is a DateTime token, held as ISO 8601 (see `fipa-datetime.ts`);
 * - agent identifiers take `:name`, `:addresses (sequence URL*)`, `:resolvers (sequence AID*)`
 *   and user slots, written `:X-...` or — as SC00070 allows — a bare Word; the key is the
 *   slot name without its colon;
 * - a missing `:receiver` gives `receivers: []`; a parameter given twice is an error.
 *
 * Writing is canonical (see {@link toAclString}); user-defined names without an `X-` prefix
 * gain one, so a bare-word slot `userparam` reads back as `X-userparam` after one round trip.
 * @module
 */
import type { AclMessage } from "./message.ts";
import { type ParseAclStringOptions, parseAclStringWith } from "./string-parser.ts";
import { type AclStringWriteOptions, writeAclString } from "./string-writer.ts";

export type { AclStringWriteOptions, ParseAclStringOptions };

/**
 * Parses one ACL message in the FIPA string representation.
 *
 * @param opts.now reference time (epoch ms) for a relative `:reply-by`; without it a relative
 *   `:reply-by` is refused.
 * @throws {AclError} (and nothing else) with the 1-based `line` and `column` of the offending
 *   token in `issues[0]`, and a message naming what was expected and what was found.
 * @example
 * ```ts
 * const m = parseAclString('(INFORM :receiver (set (agent-identifier :name b@x)) :content "hi")');
 * m.performative; // "inform"
 * m.receivers[0].name; // "b@x"
 * ```
 */
export function parseAclString(text: string, opts?: ParseAclStringOptions): AclMessage {
  return parseAclStringWith(text, opts);
}

/**
 * Writes the model in the canonical FIPA string representation: lower-case performative,
 * `:sender`, `:receiver` (omitted when empty), `:reply-to`, `:content`, `:language`,
 * `:encoding`, `:ontology`, `:protocol`, `:conversation-id`, `:reply-with`, `:in-reply-to`,
 * `:reply-by`, then user parameters as `:X-...`. Values are written bare when they read back
 * as the same text, otherwise as a quoted string, or as `#N"...` when quoting cannot
 * round-trip (a trailing backslash). Non-string content is written as its JSON text.
 *
 * @throws {AclError} with a field `path` when the model holds what the string form cannot
 *   carry (e.g. a user-parameter name with whitespace).
 * @example
 * ```ts
 * toAclString({ performative: "inform", receivers: [aid("b@x")], content: "hi" });
 * // '(inform :receiver (set (agent-identifier :name b@x)) :content "hi")'
 * ```
 */
export function toAclString(msg: AclMessage, opts?: AclStringWriteOptions): string {
  return writeAclString(msg, opts);
}
