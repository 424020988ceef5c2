import { headOf, slNumberValue, type SlParam, type SlTerm } from "../ast.ts";
import { writeSl } from "../writer.ts";
import { OntologyError } from "./exceptions.ts";

/** SL text of a term for an error message, shortened. */
export function shown(t: SlTerm | null): string {
  if (t === null) return "nothing";
  const s = writeSl(t);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Throws `unrecognised-parameter-value parameter value`. */
export function badValue(parameter: string, t: SlTerm | null): never {
  throw new OntologyError({
    kind: "unrecognised-parameter-value",
    parameter,
    value: shown(t),
  });
}

/**
 * Reads a frame `(object-name :param value ...)`: the head is compared ignoring case,
 * parameters are looked up ignoring case, and {@link finish} refuses the ones nobody took.
 */
export class FrameReader {
  readonly params = new Map<string, SlParam[]>();
  readonly used = new Set<string>();

  /**
   * @param t the term to read
   * @param object the ontology name expected as head, e.g. `service-description`
   * @param parameter the parameter (or argument) the term is the value of, for errors
   * @throws {OntologyError} `unrecognised-parameter-value` when the term is not such a frame,
   *   `missing-parameter` for a parameter written without a value, `unexpected-argument`
   *   for positional arguments.
   */
  constructor(t: SlTerm | null, readonly object: string, parameter: string) {
    if (t === null || t.kind !== "list" || headOf(t) !== object) badValue(parameter, t);
    for (const item of t.items.slice(1)) {
      if (item.kind !== "param") {
        throw new OntologyError({ kind: "unexpected-argument", argument: shown(item) });
      }
      if (item.value === null) {
        throw new OntologyError({ kind: "missing-parameter", object, parameter: item.name });
      }
      const key = item.name.toLowerCase();
      const list = this.params.get(key);
      if (list) list.push(item);
      else this.params.set(key, [item]);
    }
  }

  /** All values of a parameter (and its aliases), marking them used. */
  all(name: string, ...aliases: string[]): SlTerm[] {
    const out: SlTerm[] = [];
    for (const n of [name, ...aliases]) {
      const ps = this.params.get(n);
      if (!ps) continue;
      this.used.add(n);
      for (const p of ps) out.push(p.value!);
    }
    return out;
  }

  /**
   * The value of a parameter, or `undefined`.
   *
   * @throws {OntologyError} `unexpected-parameter` when it is given twice.
   */
  one(name: string): SlTerm | undefined {
    const ps = this.params.get(name);
    if (!ps) return undefined;
    this.used.add(name);
    if (ps.length > 1) {
      throw new OntologyError({
        kind: "unexpected-parameter",
        object: this.object,
        parameter: name,
      });
    }
    return ps[0].value!;
  }

  /**
   * The value of a mandatory parameter.
   *
   * @throws {OntologyError} `missing-parameter` when absent.
   */
  required(name: string): SlTerm {
    const v = this.one(name);
    if (v === undefined) {
      throw new OntologyError({ kind: "missing-parameter", object: this.object, parameter: name });
    }
    return v;
  }

  /**
   * Refuses parameters nobody read; those accepted by `extra` (e.g. user-defined `X-`
   * slots) are handed to it instead.
   *
   * @throws {OntologyError} `unexpected-parameter`.
   */
  finish(extra?: (p: SlParam) => boolean): void {
    for (const [key, ps] of this.params) {
      if (this.used.has(key)) continue;
      for (const p of ps) {
        if (extra?.(p)) continue;
        throw new OntologyError({
          kind: "unexpected-parameter",
          object: this.object,
          parameter: p.name,
        });
      }
    }
  }
}

/** A String value (word or string literal). */
export function readText(t: SlTerm, parameter: string): string {
  if (t.kind === "word" || t.kind === "string") return t.value;
  return badValue(parameter, t);
}

/** The elements of a `(set ...)` or `(sequence ...)` (either is accepted). */
export function readCollection(t: SlTerm, parameter: string): SlTerm[] {
  const h = headOf(t);
  if (t.kind !== "list" || (h !== "set" && h !== "sequence")) return badValue(parameter, t);
  const items = t.items.slice(1);
  if (items.some((i) => i.kind === "param")) return badValue(parameter, t);
  return items as SlTerm[];
}

/** The texts of one or more sets, in order, without duplicates. */
export function readTextSet(ts: SlTerm[], parameter: string): string[] {
  const out: string[] = [];
  for (const t of ts) {
    for (const e of readCollection(t, parameter)) {
      const s = readText(e, parameter);
      if (!out.includes(s)) out.push(s);
    }
  }
  return out;
}

/** An integer value. */
export function readInteger(t: SlTerm, parameter: string): number {
  if (t.kind !== "number") return badValue(parameter, t);
  const n = slNumberValue(t);
  return Number.isSafeInteger(n) ? n : badValue(parameter, t);
}
