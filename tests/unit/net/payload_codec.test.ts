import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import { decodePayload, encodePayload } from "../../../runtime/net/mod.ts";

Deno.test("binary fields round-trip at any depth", () => {
  const value = {
    term: 7,
    entries: [{ index: 1, data: new Uint8Array([0, 255, 1]) }, {
      index: 2,
      data: new Uint8Array(),
    }],
    sig: new Uint8Array(64).fill(9),
    nested: { deep: [[new Uint8Array([42])]] },
    text: "héllo",
  };
  const back = decodePayload(encodePayload(value)) as typeof value;
  assert.deepEqual(back, value);
  assert.ok(back.sig instanceof Uint8Array);
  assert.ok(back.nested.deep[0][0] instanceof Uint8Array);
});

Deno.test("arbitrary JSON-with-bytes values round-trip", () => {
  const leaf = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 40 }),
  );
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small" },
      leaf,
      fc.array(tie("node"), { maxLength: 4 }),
      fc.dictionary(fc.string().filter((k) => k !== "$bytes" && k !== "__proto__"), tie("node"), {
        maxKeys: 4,
        noNullPrototype: true,
      }),
    ),
  })).node;
  fc.assert(
    fc.property(value, (v) => {
      assert.deepEqual(decodePayload(encodePayload(v)), v);
    }),
    { numRuns: 300 },
  );
});

Deno.test("undefined encodes as null", () => {
  assert.equal(decodePayload(encodePayload(undefined)), null);
});

Deno.test("bad bodies throw instead of decoding to garbage", () => {
  const enc = new TextEncoder();
  assert.throws(() => decodePayload(enc.encode("{not json")), SyntaxError);
  assert.throws(() => decodePayload(enc.encode('{"$bytes": 12}')), SyntaxError);
  assert.throws(() => decodePayload(enc.encode('{"$bytes": "***"}')));
  assert.throws(() => decodePayload(new Uint8Array([0x7b, 0xff, 0x7d])), TypeError); // invalid UTF-8
});

Deno.test("bigint is refused with the value named", () => {
  assert.throws(() => encodePayload({ n: 10n }), /bigint 10/);
});
