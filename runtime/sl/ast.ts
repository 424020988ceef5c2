/**
 * The generic FIPA-SL syntax tree (SC00008). Every parenthesised form is an {@link SlList}
 * whose items are terms or `:name value` parameters, in the order written; atoms keep
 * enough of their source (number and date-time text, word case) to write them back exactly.
 * Interpretation (which list is an action, a set, a frame) is left to the ontology layer.
 */

/** A word (symbol, constant, function or predicate name), case as written. */
export interface SlWord {
  kind: "word";
  value: string;
}

/** A string: a StringLiteral (`"..."`) or ByteLengthEncodedString (`#5"hello`), decoded. */
export interface SlString {
  kind: "string";
  value: string;
}

/** A number as written (`12`, `-12.23`, `0x1F`, `1e3`); see {@link slNumberValue}. */
export interface SlNumber {
  kind: "number";
  text: string;
}

/** A DateTime token as written, e.g. `20261121T074219961Z` or a relative `+00000000T000100000`. */
export interface SlDateTime {
  kind: "datetime";
  text: string;
}

/** A variable `?x`, or a meta-variable `??x` (`meta: true`). */
export interface SlVariable {
  kind: "variable";
  name: string;
  meta: boolean;
}

/**
 * A parameter `:name value` inside a list. `value` is `null` only when the source gave
 * the name without a value and the parser was lenient (see `ParseOptions.allowMissingValues`).
 */
export interface SlParam {
  kind: "param";
  /** Name without the colon, case as written. */
  name: string;
  value: SlTerm | null;
}

/** A parenthesised form: `(head arg ...)`, `(head :p v ...)`, `(set ...)`, a content tuple. */
export interface SlList {
  kind: "list";
  items: SlItem[];
}

/** Any SL term. */
export type SlTerm = SlWord | SlString | SlNumber | SlDateTime | SlVariable | SlList;

/** What a list holds: terms and parameters. */
export type SlItem = SlTerm | SlParam;

/** A word node. */
export function slWord(value: string): SlWord {
  return { kind: "word", value };
}

/** A string node. */
export function slString(value: string): SlString {
  return { kind: "string", value };
}

/**
 * A number node from a finite JavaScript number.
 *
 * @throws {RangeError} for NaN or infinities, which SL cannot write.
 */
export function slNumber(n: number): SlNumber {
  if (!Number.isFinite(n)) throw new RangeError(`SL cannot write the number ${n}`);
  return { kind: "number", text: String(n) };
}

/** A date-time node from its SL text (see `isoToSlDateTime`). */
export function slDateTime(text: string): SlDateTime {
  return { kind: "datetime", text };
}

/** A variable node (`?name`, or `??name` when `meta`). */
export function slVariable(name: string, meta = false): SlVariable {
  return { kind: "variable", name, meta };
}

/** A list node from items. */
export function slList(...items: SlItem[]): SlList {
  return { kind: "list", items };
}

/** A parameter item `:name value`. */
export function slParam(name: string, value: SlTerm | null): SlParam {
  return { kind: "param", name, value };
}

/**
 * A functional term `(head :name value ...)`; `undefined` values are left out.
 *
 * @example
 * ```ts
 * slFrame("agent-identifier", { name: slWord("a@x") }); // (agent-identifier :name a@x)
 * ```
 */
export function slFrame(head: string, params: Record<string, SlTerm | undefined> = {}): SlList {
  const items: SlItem[] = [slWord(head)];
  for (const [k, v] of Object.entries(params)) if (v !== undefined) items.push(slParam(k, v));
  return { kind: "list", items };
}

/** `(head arg ...)` with positional arguments. */
export function slApply(head: string, ...args: SlTerm[]): SlList {
  return { kind: "list", items: [slWord(head), ...args] };
}

/** `(set ...)`. */
export function slSet(elements: SlTerm[]): SlList {
  return slApply("set", ...elements);
}

/** `(sequence ...)`. */
export function slSequence(elements: SlTerm[]): SlList {
  return slApply("sequence", ...elements);
}

/** The value of a number node (hex integers included). */
export function slNumberValue(n: SlNumber): number {
  const t = n.text;
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]+)$/.exec(t);
  if (hex) return (hex[1] === "-" ? -1 : 1) * parseInt(hex[2], 16);
  return Number(t);
}

/** Whether `t` is the word `kw`, ignoring case (SL keywords and FIPA names). */
export function isKeyword(t: SlItem | null | undefined, kw: string): boolean {
  return t?.kind === "word" && t.value.toLowerCase() === kw.toLowerCase();
}

/** The lower-cased head word of a list, or `undefined` if it has none. */
export function headOf(t: SlItem | null | undefined): string | undefined {
  if (t?.kind !== "list") return undefined;
  const h = t.items[0];
  return h?.kind === "word" ? h.value.toLowerCase() : undefined;
}

/**
 * A copy of `t` in which every parameter written without a value (see
 * `ParseOptions.allowMissingValues`) gets `value` instead, so that it can be written as
 * valid SL. JADE writes an empty string that way, so `slString("")` is the natural filler.
 */
export function fillMissingValues(t: SlTerm, value: SlTerm): SlTerm {
  if (t.kind !== "list") return t;
  return {
    kind: "list",
    items: t.items.map((i): SlItem => {
      if (i.kind === "param") {
        return {
          kind: "param",
          name: i.name,
          value: i.value === null ? value : fillMissingValues(i.value, value),
        };
      }
      return fillMissingValues(i, value);
    }),
  };
}

/** Deep structural equality of two items. */
export function slEquals(a: SlItem | null, b: SlItem | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "word":
    case "string":
      return a.value === (b as SlWord | SlString).value;
    case "number":
    case "datetime":
      return a.text === (b as SlNumber | SlDateTime).text;
    case "variable": {
      const v = b as SlVariable;
      return a.name === v.name && a.meta === v.meta;
    }
    case "param": {
      const p = b as SlParam;
      return a.name === p.name && slEquals(a.value, p.value);
    }
    case "list": {
      const l = b as SlList;
      return a.items.length === l.items.length && a.items.every((x, i) => slEquals(x, l.items[i]));
    }
  }
}
