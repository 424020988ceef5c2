import { type SlTerm, slWord } from "../ast.ts";
import { isSlWord } from "../lexical.ts";

/**
 * An SL String for a text value: a bare word when the text is a word every SL parser reads
 * back unchanged (no leading `-`), a quoted string literal otherwise.
 *
 * @example
 * ```ts
 * slText("fipa-request"); // { kind: "word", value: "fipa-request" }
 * slText("192.168.1.1:1099/JADE"); // { kind: "string", ... } (a word cannot start with a digit)
 * ```
 */
export function slText(s: string): SlTerm {
  return isSlWord(s) && !s.startsWith("-") ? slWord(s) : { kind: "string", value: s };
}
