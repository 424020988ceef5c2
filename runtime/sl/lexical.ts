/** Lexical rules of FIPA-SL (SC00008) shared by the parser and the writer. */

/** Whitespace: every character up to U+0020. */
export function isSpace(code: number): boolean {
  return code <= 0x20;
}

/** Characters that end a word, number, variable or parameter name. */
export function isDelimiter(code: number): boolean {
  return code <= 0x20 || code === 0x28 /* ( */ || code === 0x29 /* ) */ || code === 0x22 /* " */;
}

/** A whole number token: decimal or hex integer, or float with optional exponent. */
export const NUMBER_RE =
  /^[+-]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?)$/;

/** A whole DateTime token: `[+-]YYYYMMDDThhmmssmmm[TypeDesignator]`. */
export const DATETIME_RE = /^[+-]?\d{8}[Tt]\d{9}[A-Za-z]?$/;

/**
 * Whether `s` can be written as an SL word and read back as the same word: not empty, no
 * whitespace, parentheses or quotes, and not starting like another token (`#`, `?`, `:`, a
 * digit, or a sign or dot followed by a digit).
 */
export function isSlWord(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (isDelimiter(s.charCodeAt(i))) return false;
  const c0 = s[0];
  if ("#?:0123456789".includes(c0)) return false;
  if ("+-.".includes(c0) && s.length > 1 && s[1] >= "0" && s[1] <= "9") return false;
  return true;
}
