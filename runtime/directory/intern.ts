/**
 * One shared, frozen copy of equal JSON values: a node of many agents of one component holds
 * one manifest, one set of limits and one component hash for all of them, in the directory
 * and in the agent manager, instead of a copy per agent (issue 14, "many agents, few awake").
 * @module
 */
import { canonicalJson } from "./canonical-json.ts";
import { deepFreeze } from "./deep-freeze.ts";

/**
 * Hands out shared frozen copies of JSON values, keyed by their canonical JSON text. A copy
 * is kept only while something holds it (weakly referenced; its key goes with it).
 *
 * @example
 * ```ts
 * const j = new JsonInterner();
 * j.object({ a: 1, b: [2] }) === j.object({ b: [2], a: 1 }); // true, and frozen
 * ```
 */
export class JsonInterner {
  readonly #byText = new Map<string, WeakRef<object>>();
  readonly #strings = new Map<string, string>();
  readonly #gone = new FinalizationRegistry<{ map: Map<string, WeakRef<object>>; key: string }>(
    ({ map, key }) => {
      if (map.get(key)?.deref() === undefined) map.delete(key);
    },
  );

  /** The shared frozen copy of `value` (a plain JSON object or array; never mutated). */
  object<T extends object>(value: T): T {
    let text: string;
    try {
      text = canonicalJson(value);
    } catch {
      return value; // not plain JSON (a non-finite number): kept as it is
    }
    const hit = this.#byText.get(text)?.deref();
    if (hit) return hit as T;
    const copy = deepFreeze(structuredClone(value));
    this.#byText.set(text, new WeakRef(copy));
    this.#gone.register(copy, { map: this.#byText, key: text });
    return copy;
  }

  /**
   * The shared copy of a string that many records repeat (a component hash, a node id): at
   * most {@link MAX_STRINGS} are kept, the oldest forgotten first.
   */
  string(value: string): string {
    const hit = this.#strings.get(value);
    if (hit !== undefined) return hit;
    if (this.#strings.size >= MAX_STRINGS) {
      this.#strings.delete(this.#strings.keys().next().value!);
    }
    this.#strings.set(value, value);
    return value;
  }
}

/** Most strings an interner keeps (oldest forgotten first). */
const MAX_STRINGS = 4096;

/** The node-wide interner (pure in effect: it only ever returns values equal to its input). */
export const interned: JsonInterner = new JsonInterner();
