/**
 * The lexer of the FIPA ACL string representation (SC00070 §2.3): parentheses, words,
 * numbers, DateTime tokens, quoted strings and byte-length-prefixed strings. Single pass, no
 * regular expressions, positions as character offsets; line and column are computed only
 * when an error is raised.
 * @module
 */
import { AclError } from "./acl-error.ts";
import { isFipaDateTimeShape } from "./fipa-datetime.ts";

/** Deepest nesting of parentheses the parser accepts (the message itself is depth 1). */
export const ACL_MAX_DEPTH = 64;

/** What an atom (a token that is not a parenthesis or a string) is, lexically. */
export type AtomKind = "word" | "number" | "datetime";

/** A token of the string representation; `start`/`end` are offsets into the source text. */
export type AclToken =
  | { kind: "open" | "close" | "eof"; start: number; end: number }
  | {
    kind: "string";
    /** The value: `\"` unescaped for a quoted string; the bytes for a byte-length string. */
    value: string;
    form: "quoted" | "bytes";
    start: number;
    end: number;
  }
  | { kind: AtomKind; text: string; start: number; end: number };

const LPAREN = 40;
const RPAREN = 41;
const QUOTE = 34;
const HASH = 35;
const BACKSLASH = 92;

function isWhitespace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12;
}

/** Whether `c` ends an atom: whitespace, other control characters, or a parenthesis. */
function endsAtom(c: number): boolean {
  return c <= 32 || c === LPAREN || c === RPAREN;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * Whether `text` is an SC00070 Number: `[+-]` then decimal digits with an optional fraction
 * and exponent, or `0x` hex digits.
 *
 * @example
 * ```ts
 * isAclNumber("+.99E-23"); // true
 * isAclNumber("12abc"); // false
 * ```
 */
export function isAclNumber(text: string): boolean {
  const n = text.length;
  let i = 0;
  let c = text.charCodeAt(0);
  if (c === 43 || c === 45) c = text.charCodeAt(++i);
  if (c === 48 && (text.charCodeAt(i + 1) | 32) === 120 && n > i + 2) {
    for (let k = i + 2; k < n; k++) if (!isHex(text.charCodeAt(k))) return false;
    return true;
  }
  let digits = 0;
  while (i < n && isDigit(text.charCodeAt(i))) i++, digits++;
  if (text.charCodeAt(i) === 46) {
    i++;
    while (i < n && isDigit(text.charCodeAt(i))) i++, digits++;
  }
  if (digits === 0) return false;
  if (i < n && (text.charCodeAt(i) | 32) === 101) {
    i++;
    const s = text.charCodeAt(i);
    if (s === 43 || s === 45) i++;
    const from = i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    if (i === from) return false;
  }
  return i === n;
}

/**
 * Classifies the text of an atom (a run of characters without whitespace or parentheses):
 * a Number, a DateTime, a Word, or — as a string — why it is none of them (a Word may not
 * start with `#`, a digit, `-` or `@`, and `"` starts a string).
 *
 * @example
 * ```ts
 * atomKind("fipa-sl0"); // "word"
 * atomKind("-99"); // "number"
 * atomKind("-x"); // "a word may not start with '-'"
 * ```
 */
export function atomKind(text: string): AtomKind | string {
  if (text.length === 0) return "an atom may not be empty";
  const c = text.charCodeAt(0);
  if (isDigit(c) || c === 45 || c === 43 || c === 46) {
    if (isAclNumber(text)) return "number";
    if (isFipaDateTimeShape(text)) return "datetime";
    if (c === 43 || c === 46) return "word";
    return isDigit(c)
      ? `'${clip(text)}' is not a number or DateTime, and a word may not start with a digit`
      : `'${clip(text)}' is not a number or DateTime, and a word may not start with '-'`;
  }
  if (c === HASH) return `a word may not start with '#' (a byte-length string is #N"...)`;
  if (c === 64) return "a word may not start with '@'";
  if (c === QUOTE) return "a word may not start with '\"'";
  return "word";
}

/** `text` shortened to at most 40 characters for an error message. */
export function clip(text: string): string {
  return text.length > 40 ? text.slice(0, 37) + "..." : text;
}

/** Line and column (1-based; column in UTF-16 code units) of an offset in `text`. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf("\n"); i !== -1 && i < end; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/** Throws an {@link AclError} for `text` at `offset`, with its line and column. */
export function failAt(text: string, offset: number, message: string): never {
  const { line, column } = lineColumnAt(text, offset);
  throw new AclError(`Invalid ACL string at line ${line}, column ${column}: ${message}`, [
    { line, column, message },
  ]);
}

/**
 * Number of UTF-8 bytes of the code point that starts at `i` (a lone surrogate counts as the
 * three bytes of U+FFFD, as `TextEncoder` writes it), and how many UTF-16 units it spans.
 */
function utf8At(text: string, i: number): [bytes: number, units: number] {
  const c = text.charCodeAt(i);
  if (c < 0x80) return [1, 1];
  if (c < 0x800) return [2, 1];
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return [4, 2];
  }
  return [3, 1];
}

/**
 * Number of UTF-8 bytes of `text` (as {@link TextEncoder} would write it).
 *
 * @example
 * ```ts
 * utf8Length("é"); // 2
 * ```
 */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length;) {
    const [b, u] = utf8At(text, i);
    n += b;
    i += u;
  }
  return n;
}

/** Describes a token for an error message ("found ..."). */
export function describeToken(t: AclToken): string {
  switch (t.kind) {
    case "open":
      return "'('";
    case "close":
      return "')'";
    case "eof":
      return "end of input";
    case "string":
      return `string "${clip(t.value)}"`;
    default:
      return `${t.kind === "word" ? "" : t.kind + " "}'${clip(t.text)}'`;
  }
}

/**
 * Turns the string representation into tokens, one at a time. Throws {@link AclError} (with
 * line and column) on a lexical error.
 *
 * @example
 * ```ts
 * const lx = new AclLexer('(inform :content "hi")');
 * lx.next(); // { kind: "open", start: 0, end: 1 }
 * lx.next(); // { kind: "word", text: "inform", start: 1, end: 7 }
 * ```
 */
export class AclLexer {
  /** Offset of the next character to read. */
  pos: number;

  constructor(readonly text: string, start = 0) {
    this.pos = start;
  }

  /** Throws an {@link AclError} at `offset`. */
  fail(offset: number, message: string): never {
    return failAt(this.text, offset, message);
  }

  /** Reads the next token (`eof` at the end, repeatedly). */
  next(): AclToken {
    const text = this.text;
    const n = text.length;
    let i = this.pos;
    while (i < n && isWhitespace(text.charCodeAt(i))) i++;
    if (i >= n) {
      this.pos = n;
      return { kind: "eof", start: n, end: n };
    }
    const c = text.charCodeAt(i);
    if (c === LPAREN) {
      this.pos = i + 1;
      return { kind: "open", start: i, end: i + 1 };
    }
    if (c === RPAREN) {
      this.pos = i + 1;
      return { kind: "close", start: i, end: i + 1 };
    }
    if (c === QUOTE) return this.quoted(i);
    if (c < 32) {
      this.fail(i, `unexpected control character U+${c.toString(16).padStart(4, "0")}`);
    }
    if (c === HASH) {
      let j = i + 1;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      if (j > i + 1 && text.charCodeAt(j) === QUOTE) return this.bytes(i, j);
    }
    let j = i + 1;
    while (j < n && !endsAtom(text.charCodeAt(j))) j++;
    const atom = text.slice(i, j);
    const kind = atomKind(atom);
    if (kind !== "word" && kind !== "number" && kind !== "datetime") this.fail(i, kind);
    this.pos = j;
    return { kind, text: atom, start: i, end: j };
  }

  /** A StringLiteral: `"` ([~"] | `\"`)* `"`; only `\"` is unescaped (JADE semantics). */
  private quoted(start: number): AclToken {
    const text = this.text;
    let q = text.indexOf('"', start + 1);
    while (q !== -1 && text.charCodeAt(q - 1) === BACKSLASH && q - 1 > start) {
      q = text.indexOf('"', q + 1);
    }
    if (q === -1) this.fail(start, "unterminated string: expected a closing '\"'");
    const raw = text.slice(start + 1, q);
    this.pos = q + 1;
    const value = raw.indexOf('\\"') === -1 ? raw : raw.replaceAll('\\"', '"');
    return { kind: "string", value, form: "quoted", start, end: q + 1 };
  }

  /** A ByteLengthEncodedString: `#` digits `"` then exactly that many UTF-8 bytes. */
  private bytes(start: number, quote: number): AclToken {
    const text = this.text;
    const digits = text.slice(start + 1, quote);
    const from = quote + 1;
    const declared = digits.length > 15 ? Infinity : Number(digits);
    let bytes = 0;
    let i = from;
    while (bytes < declared && i < text.length) {
      const [b, u] = utf8At(text, i);
      bytes += b;
      i += u;
    }
    if (bytes < declared) {
      this.fail(
        start,
        `byte-length string declares ${digits} bytes but only ${bytes} are available`,
      );
    }
    if (bytes > declared) {
      this.fail(start, `byte-length string of ${digits} bytes ends inside a UTF-8 character`);
    }
    this.pos = i;
    return { kind: "string", value: text.slice(from, i), form: "bytes", start, end: i };
  }
}
