import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import {
  isSlWord,
  parseSl,
  parseSlContent,
  slEquals,
  SlError,
  slFrame,
  type SlItem,
  slList,
  slParam,
  type SlTerm,
  slVariable,
  slWord,
  writeSl,
  writeSlContent,
  writeSlString,
} from "../../../runtime/sl/mod.ts";

Deno.test("sl writer: canonical form with single spaces", () => {
  const t = parseSl("(  action\n (agent-identifier   :name df@p )\t(get-description) )");
  assert.equal(writeSl(t), "(action (agent-identifier :name df@p) (get-description))");
  assert.equal(
    writeSlContent([slWord("already-registered"), slList(slWord("x"), slVariable("y", true))]),
    "(already-registered (x ??y))",
  );
  assert.equal(writeSl(slList(slWord("s"), slParam("name", null))), "(s :name)");
});

Deno.test("sl writer: strings escape quotes; a trailing backslash uses byte-length form", () => {
  assert.equal(writeSlString('say "hi"'), '"say \\"hi\\""');
  assert.equal(writeSlString("C:\\dir\\"), '#7"C:\\dir\\');
  assert.equal(writeSlString("é\\"), '#3"é\\');
  for (const v of ['a\\"b', "x\\", '\\"', "", "é ü 𝄞"]) {
    assert.deepEqual(parseSl(writeSlString(v)), { kind: "string", value: v });
  }
});

Deno.test("sl writer: refuses nodes with no SL spelling", () => {
  assert.throws(() => writeSl(slWord("two words")), SlError);
  assert.throws(() => writeSl(slWord("12")), /not a valid word/);
  assert.throws(() => writeSl({ kind: "number", text: "12a" }), /not a valid number/);
  assert.throws(() => writeSl({ kind: "datetime", text: "2020" }), /not a valid date-time/);
  assert.throws(() => writeSl(slFrame("x", { "bad name": slWord("v") })), /parameter name/);
  assert.throws(() => writeSl(slVariable("?x")), /variable name/);
  assert.throws(
    () => writeSl(slList(slWord("x"), slParam("a", null), slWord("b"))),
    /":a" has no value but a term follows it/,
  );
});

const wordChar = fc.constantFrom(..."abcXYZ-_@:/.+*=<>!$%&0123456789#?é");
const word = fc.string({ unit: wordChar, minLength: 1, maxLength: 8 }).filter(isSlWord);
const text = fc.string({ unit: fc.constantFrom(...'ab "\\()\n:é𝄞#?'), maxLength: 10 });
const number = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String).filter((s) =>
    !s.includes("Infinity")
  ),
  fc.nat().map((n) => `0x${n.toString(16)}`),
);
const datetime = fc.tuple(
  fc.constantFrom("", "+", "-"),
  fc.integer({ min: 1000, max: 9999 }),
  fc.integer({ min: 1, max: 12 }),
  fc.integer({ min: 1, max: 28 }),
  fc.integer({ min: 0, max: 86_399_999 }),
  fc.constantFrom("", "Z", "A", "n"),
).map(([s, y, mo, d, ms, z]) => {
  const p = (n: number, w: number) => String(n).padStart(w, "0");
  const h = Math.floor(ms / 3_600_000);
  const mi = Math.floor(ms / 60_000) % 60;
  const se = Math.floor(ms / 1000) % 60;
  return `${s}${y}${p(mo, 2)}${p(d, 2)}T${p(h, 2)}${p(mi, 2)}${p(se, 2)}${p(ms % 1000, 3)}${z}`;
});

/** `(x :a b)` cannot say ":a has no value, then the term b": such trees have no spelling. */
function emptyParamBeforeTerm(x: SlItem, next: SlItem | undefined): boolean {
  return x.kind === "param" && x.value === null && next !== undefined && next.kind !== "param";
}

const { term } = fc.letrec<{ term: SlTerm; item: SlItem }>((tie) => ({
  term: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    word.map((value): SlTerm => ({ kind: "word", value })),
    text.map((value): SlTerm => ({ kind: "string", value })),
    number.map((t): SlTerm => ({ kind: "number", text: t })),
    datetime.map((t): SlTerm => ({ kind: "datetime", text: t })),
    fc.tuple(word, fc.boolean()).filter(([n, m]) => m || !n.startsWith("?")).map((
      [n, m],
    ): SlTerm => slVariable(n, m)),
    fc.array(tie("item"), { maxLength: 5 })
      .filter((items) => items.every((x, i) => !emptyParamBeforeTerm(x, items[i + 1])))
      .map((items): SlTerm => ({ kind: "list", items })),
  ),
  item: fc.oneof(
    { depthSize: "small" },
    tie("term"),
    fc.tuple(word, fc.option(tie("term"), { nil: null })).map(([name, value]): SlItem =>
      slParam(name, value as SlTerm | null)
    ),
  ),
}));

Deno.test("sl writer: parse(write(t)) equals t for random trees", () => {
  fc.assert(
    fc.property(term, (t) => {
      const written = writeSl(t);
      const back = parseSl(written, { allowMissingValues: true });
      assert.ok(slEquals(back, t), `round-trip changed ${written}`);
      assert.deepEqual(back, t);
      assert.equal(writeSl(back), written);
    }),
    { numRuns: 400 },
  );
});

Deno.test("sl writer: content round-trips for random element lists", () => {
  fc.assert(
    fc.property(fc.array(term, { minLength: 1, maxLength: 4 }), (els) => {
      assert.deepEqual(parseSlContent(writeSlContent(els), { allowMissingValues: true }), els);
    }),
    { numRuns: 200 },
  );
});
