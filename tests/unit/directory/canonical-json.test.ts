import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import { canonicalJson, canonicalJsonPieces } from "../../../runtime/directory/mod.ts";

/** Canonical JSON written member by member: the definition the fast path must match. */
function reference(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new TypeError("not finite");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === undefined ? "null" : reference(v))).join(",")}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0
  );
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(obj[k])}`).join(",")}}`;
}

/** Keys that trip engines' own orders: array indexes, near-indexes, prototype names, unicode. */
const awkwardKey = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom("0", "1", "9", "10", "01", "-1", "1.5", "4294967295", "4294967294", "1e3"),
  fc.constantFrom("__proto__", "constructor", "toString", "toJSON", "hasOwnProperty"),
  fc.string({ unit: "binary", maxLength: 4 }),
);

const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.constant(undefined),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ unit: "binary", maxLength: 8 }),
    fc.array(tie("v"), { maxLength: 5 }),
    fc.dictionary(awkwardKey, tie("v"), { maxKeys: 6 }),
  ),
})).v;

/** Builds `entries` as own data properties (also `__proto__`), in the given order. */
function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return o;
}

Deno.test("canonicalJson: the fast path writes what member-by-member writing writes", () => {
  fc.assert(
    fc.property(value, (v) => {
      assert.equal(canonicalJson(v), reference(v));
    }),
    { numRuns: 2000 },
  );
});

Deno.test("canonicalJson: array-index keys, __proto__ and toJSON members keep their places", () => {
  const obj = objectOf([["b", 1], ["10", 2], ["9", 3], ["a", [{ "2": 0, "1": 1 }]], ["__proto__", {
    z: 1,
    y: 2,
  }]]);
  assert.equal(
    canonicalJson(obj),
    '{"10":2,"9":3,"__proto__":{"y":2,"z":1},"a":[{"1":1,"2":0}],"b":1}',
  );
  assert.equal(
    canonicalJson([objectOf([["b", 1], ["__proto__", { z: 1 }], ["a", 2]])]),
    '[{"__proto__":{"z":1},"a":2,"b":1}]',
  );
  assert.equal(canonicalJson({ b: { toJSON: 1, a: 2 } }), '{"b":{"a":2,"toJSON":1}}');
  assert.equal(canonicalJson(new Map([["a", 1]])), "{}");
  assert.throws(() => canonicalJson({ a: [{ b: Infinity }] }), /Infinity is not a JSON number/);
  assert.throws(() => canonicalJson({ a: 1n }), TypeError);
});

Deno.test("canonicalJsonPieces: the pieces join to canonicalJson, a group of records at a time", () => {
  fc.assert(
    fc.property(
      fc.dictionary(awkwardKey, fc.oneof(value, fc.array(value, { maxLength: 9 })), {
        maxKeys: 5,
      }),
      fc.integer({ min: 1, max: 4 }),
      (doc, group) => {
        const pieces = [...canonicalJsonPieces(doc, group)];
        assert.equal(pieces.join(""), reference(doc));
      },
    ),
    { numRuns: 1000 },
  );
  const records = Array.from({ length: 10 }, (_, i) => ({ i }));
  const pieces = [...canonicalJsonPieces({ records }, 4)];
  assert.ok(pieces.every((p) => p.length < 40), `pieces too long: ${pieces.join(" | ")}`);
});
