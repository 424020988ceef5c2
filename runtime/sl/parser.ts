import type { SlItem, SlList, SlTerm } from "./ast.ts";
import { DATETIME_RE, isDelimiter, isSpace, NUMBER_RE } from "./lexical.ts";
import { lineColumn, SlError } from "./sl-error.ts";

/** Options of the SL parser. */
export interface ParseOptions {
  /**
   * Accept a parameter name with no value (`:name :type ...`, as JADE's DF test
   * "MissingParameter" writes) and record it as `value: null`, so the ontology layer can
   * answer `missing-parameter` instead of `not-understood`. Default false.
   */
  allowMissingValues?: boolean;
  /** Deepest list nesting accepted (default 256). */
  maxDepth?: number;
}

const utf8 = new TextEncoder();

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

class Parser {
  pos = 0;
  readonly allowMissing: boolean;
  readonly maxDepth: number;

  constructor(readonly text: string, opts: ParseOptions) {
    this.allowMissing = opts.allowMissingValues ?? false;
    this.maxDepth = opts.maxDepth ?? 256;
  }

  found(at = this.pos): string {
    if (at >= this.text.length) return "end of input";
    let end = at + 1;
    if (!isDelimiter(this.text.charCodeAt(at))) {
      while (end < this.text.length && end - at < 24 && !isDelimiter(this.text.charCodeAt(end))) {
        end++;
      }
    }
    return JSON.stringify(this.text.slice(at, end));
  }

  error(message: string, at = this.pos): SlError {
    const found = this.found(at);
    return SlError.at(this.text, at, `${message} but found ${found}`, found);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && isSpace(this.text.charCodeAt(this.pos))) this.pos++;
  }

  /** The raw run of non-delimiter characters from `pos`. */
  run(): string {
    const start = this.pos;
    while (this.pos < this.text.length && !isDelimiter(this.text.charCodeAt(this.pos))) this.pos++;
    return this.text.slice(start, this.pos);
  }

  term(depth: number): SlTerm {
    this.skipSpace();
    const start = this.pos;
    if (start >= this.text.length) throw this.error("expected a term");
    const c = this.text[start];
    switch (c) {
      case "(":
        return this.list(depth + 1);
      case ")":
        throw this.error("expected a term");
      case '"':
        return { kind: "string", value: this.stringLiteral() };
      case "#":
        return { kind: "string", value: this.byteLengthString() };
      case "?": {
        const meta = this.text[start + 1] === "?";
        this.pos += meta ? 2 : 1;
        const name = this.run();
        if (name === "") throw this.error(`expected a variable name after "${meta ? "??" : "?"}"`);
        return { kind: "variable", name, meta };
      }
      case ":":
        throw this.error("expected a term (a parameter is only allowed inside a list)");
    }
    const token = this.run();
    const numeric = /^[0-9]/.test(token) || /^[+\-.][0-9]/.test(token);
    if (numeric) {
      if (DATETIME_RE.test(token)) return { kind: "datetime", text: token };
      if (NUMBER_RE.test(token)) return { kind: "number", text: token };
      this.pos = start;
      throw this.error("expected a number or date-time");
    }
    return { kind: "word", value: token };
  }

  list(depth: number, allowParams = true): SlList {
    const open = this.pos;
    if (depth > this.maxDepth) throw this.error(`expected at most ${this.maxDepth} nested lists`);
    this.pos++; // (
    const items: SlItem[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) {
        const { line, column } = lineColumn(this.text, open);
        throw this.error(`expected ")" to close the list opened at line ${line}, column ${column}`);
      }
      const c = this.text[this.pos];
      if (c === ")") {
        this.pos++;
        return { kind: "list", items };
      }
      if (c === ":") {
        if (!allowParams) throw this.error("expected a content element (a term), not a parameter");
        const at = this.pos;
        this.pos++;
        const name = this.run();
        if (name === "") throw this.error('expected a parameter name after ":"', at + 1);
        this.skipSpace();
        const next = this.text[this.pos];
        if (next === ")" || next === ":" || next === undefined) {
          if (!this.allowMissing || next === undefined) {
            throw this.error(`expected a value for parameter ":${name}"`);
          }
          items.push({ kind: "param", name, value: null });
          continue;
        }
        items.push({ kind: "param", name, value: this.term(depth) });
        continue;
      }
      items.push(this.term(depth));
    }
  }

  stringLiteral(): string {
    const open = this.pos;
    const t = this.text;
    let out = "";
    let i = open + 1;
    let chunk = i;
    while (i < t.length) {
      const ch = t.charCodeAt(i);
      if (ch === 0x5c /* \ */ && t.charCodeAt(i + 1) === 0x22) {
        out += t.slice(chunk, i) + '"';
        i += 2;
        chunk = i;
        continue;
      }
      if (ch === 0x22) {
        this.pos = i + 1;
        return out + t.slice(chunk, i);
      }
      i++;
    }
    this.pos = t.length;
    throw SlError.at(t, open, "unterminated string literal (no closing quote)", "end of input");
  }

  byteLengthString(): string {
    const t = this.text;
    const m = /^#(\d{1,9})"/.exec(t.slice(this.pos, this.pos + 12));
    if (!m) throw this.error('expected a byte-length string #N"...');
    const want = Number(m[1]);
    let i = this.pos + m[0].length;
    const begin = i;
    let bytes = 0;
    while (bytes < want) {
      if (i >= t.length) {
        throw SlError.at(
          t,
          this.pos,
          `byte-length string declares ${want} bytes but only ${bytes} follow`,
          "end of input",
        );
      }
      const cp = t.codePointAt(i)!;
      bytes += utf8Length(cp);
      i += cp > 0xffff ? 2 : 1;
    }
    if (bytes !== want) {
      throw SlError.at(
        t,
        this.pos,
        `byte-length string of ${want} bytes ends inside a character`,
        m[0],
      );
    }
    this.pos = i;
    return t.slice(begin, i);
  }
}

/**
 * Parses one SL expression (a term, possibly a whole content tuple) and requires nothing
 * but whitespace after it.
 *
 * @throws {SlError} with the position of the offending token and what was found there.
 * @example
 * ```ts
 * parseSl("(agent-identifier :name a@x)");
 * // { kind: "list", items: [ {kind:"word",value:"agent-identifier"}, {kind:"param",...} ] }
 * ```
 */
export function parseSl(text: string, opts: ParseOptions = {}): SlTerm {
  const p = new Parser(text, opts);
  const t = p.term(0);
  p.skipSpace();
  if (p.pos < text.length) throw p.error("expected end of input after the expression");
  return t;
}

/**
 * Parses an SL content expression (SC00008 `Content`): a parenthesised list of one or
 * more content elements, e.g. `((action (agent-identifier :name df@p) (search ...)))`.
 * Returns the elements.
 *
 * @throws {SlError} if the text is not such a list.
 */
export function parseSlContent(text: string, opts: ParseOptions = {}): SlTerm[] {
  const p = new Parser(text, opts);
  p.skipSpace();
  if (text[p.pos] !== "(") throw p.error('expected "(" opening the content expression');
  const open = p.pos;
  const t = p.list(1, false);
  p.skipSpace();
  if (p.pos < text.length) throw p.error("expected end of input after the content expression");
  if (t.items.length === 0) throw p.error("expected at least one content element", open + 1);
  return t.items as SlTerm[];
}

/** Number of UTF-8 bytes of `s` (what a byte-length string counts). */
export function utf8ByteLength(s: string): number {
  return utf8.encode(s).length;
}
