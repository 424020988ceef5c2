/**
 * Canonical JSON: object keys sorted in code-unit order, `undefined` members dropped, no
 * whitespace. Equal values give equal text, whatever order their keys were built in.
 *
 * Fast path: a copy of the value whose objects have their keys inserted in sorted order,
 * written by the engine's own `JSON.stringify` (about 4× faster than writing member by
 * member). An object with an array-index key ("0", "12": engines enumerate those first,
 * in numeric order) or a value JSON cannot hold is written member by member, the way this
 * function always did, its members again by the fast path.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 * ```
 * @throws {TypeError} for a number that is not finite (it names the value).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return primitive(value);
  const copy = sortedCopy(value);
  if (copy !== UNSORTABLE) return JSON.stringify(copy);
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort(compareKeys);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

/**
 * The canonical JSON of an object, in pieces whose concatenation is
 * `canonicalJson(value)`: each array member of `value` is written `group` elements at a
 * time, so that a large document is never held as one string while it is being written.
 * @throws {TypeError} for a number that is not finite.
 */
export function* canonicalJsonPieces(
  value: Readonly<Record<string, unknown>>,
  group = 1000,
): Generator<string> {
  const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort(compareKeys);
  let sep = "{";
  for (const k of keys) {
    const v = value[k];
    yield `${sep}${JSON.stringify(k)}:`;
    sep = ",";
    if (!Array.isArray(v)) {
      yield canonicalJson(v);
      continue;
    }
    if (v.length === 0) yield "[]";
    for (let i = 0; i < v.length; i += group) {
      const part = v.slice(i, i + group).map((e) => (e === undefined ? null : e));
      const text = canonicalJson(part);
      yield `${i === 0 ? "[" : ","}${text.slice(1, -1)}${i + group >= v.length ? "]" : ""}`;
    }
  }
  yield keys.length === 0 ? "{}" : "}";
}

/** Marks a value the fast path does not write (see {@link canonicalJson}). */
const UNSORTABLE: unique symbol = Symbol("unsortable");

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function primitive(value: unknown): string {
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new TypeError(`canonicalJson: ${value} is not a JSON number`);
  }
  return JSON.stringify(value);
}

/** True if `k` is an array index, which engines enumerate before other keys. */
function isIndexKey(k: string): boolean {
  const c = k.charCodeAt(0);
  if (c < 48 || c > 57) return false;
  const n = Number(k);
  return String(n) === k && n < 4294967295;
}

/**
 * A copy of `value` with every object's own enumerable keys inserted in sorted order and
 * `undefined` members left out; {@link UNSORTABLE} if some part needs the slow path.
 * @throws {TypeError} for a number that is not finite.
 */
function sortedCopy(value: unknown): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case "number":
      if (!Number.isFinite(value)) primitive(value);
      return value;
    case "string":
    case "boolean":
    case "undefined":
      return value;
    case "object":
      break;
    default:
      return UNSORTABLE;
  }
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return UNSORTABLE;
      const c = sortedCopy(value[i]);
      if (c === UNSORTABLE) return UNSORTABLE;
      out[i] = c;
    }
    return out;
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj.toJSON === "function") return UNSORTABLE;
  const keys = Object.keys(obj).sort(compareKeys);
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (k === "__proto__" || isIndexKey(k)) return UNSORTABLE;
    const c = sortedCopy(v);
    if (c === UNSORTABLE) return UNSORTABLE;
    out[k] = c;
  }
  return out;
}
