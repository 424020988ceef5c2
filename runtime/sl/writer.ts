import type { SlItem, SlTerm } from "./ast.ts";
import { DATETIME_RE, isDelimiter, isSlWord, NUMBER_RE } from "./lexical.ts";
import { utf8ByteLength } from "./parser.ts";
import { SlError } from "./sl-error.ts";

function writeError(message: string, found: string): SlError {
  return new SlError(`cannot write SL: ${message}`, -1, 0, 0, found);
}

/**
 * Writes a string value: a StringLiteral with `"` escaped as `\"` (the only escape SL
 * and JADE know), or, when the value ends with a backslash (which a literal cannot
 * express), a ByteLengthEncodedString `#N"...`.
 */
export function writeSlString(value: string): string {
  if (value.endsWith("\\")) return `#${utf8ByteLength(value)}"${value}`;
  return `"${value.replaceAll('"', '\\"')}"`;
}

/** A non-empty run of non-delimiter characters (a variable or parameter name). */
function isRun(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (isDelimiter(s.charCodeAt(i))) return false;
  return true;
}

function writeItem(item: SlItem, out: string[]): void {
  switch (item.kind) {
    case "word":
      if (!isSlWord(item.value)) {
        throw writeError(`${JSON.stringify(item.value)} is not a valid word`, item.value);
      }
      out.push(item.value);
      return;
    case "string":
      out.push(writeSlString(item.value));
      return;
    case "number":
      if (!NUMBER_RE.test(item.text)) {
        throw writeError(`${JSON.stringify(item.text)} is not a valid number`, item.text);
      }
      out.push(item.text);
      return;
    case "datetime":
      if (!DATETIME_RE.test(item.text)) {
        throw writeError(`${JSON.stringify(item.text)} is not a valid date-time`, item.text);
      }
      out.push(item.text);
      return;
    case "variable":
      if (!isRun(item.name) || (!item.meta && item.name.startsWith("?"))) {
        throw writeError(`${JSON.stringify(item.name)} is not a valid variable name`, item.name);
      }
      out.push(item.meta ? "??" : "?", item.name);
      return;
    case "param":
      if (!isRun(item.name)) {
        throw writeError(`${JSON.stringify(item.name)} is not a valid parameter name`, item.name);
      }
      out.push(":", item.name);
      if (item.value !== null) {
        out.push(" ");
        writeItem(item.value, out);
      }
      return;
    case "list":
      out.push("(");
      item.items.forEach((x, i) => {
        if (i > 0) out.push(" ");
        const next = item.items[i + 1];
        if (x.kind === "param" && x.value === null && next !== undefined && next.kind !== "param") {
          throw writeError(`parameter ":${x.name}" has no value but a term follows it`, x.name);
        }
        writeItem(x, out);
      });
      out.push(")");
      return;
  }
}

/**
 * Writes an SL term in canonical form: one space between items, no other whitespace.
 * `parseSl(writeSl(t))` equals `t` for every tree the parser can produce.
 *
 * @throws {SlError} for a node that has no SL spelling (e.g. a word with a space).
 * @example
 * ```ts
 * writeSl(slFrame("agent-identifier", { name: slWord("a@x") })); // "(agent-identifier :name a@x)"
 * ```
 */
export function writeSl(term: SlTerm): string {
  const out: string[] = [];
  writeItem(term, out);
  return out.join("");
}

/** Writes a content expression: the elements in one pair of parentheses. */
export function writeSlContent(elements: SlTerm[]): string {
  return writeSl({ kind: "list", items: elements });
}
