// The faster string lowering of jco's bindings writes the same bytes through the same
// `realloc` calls as jco's own, and it is applied to the bindings the store really makes.
import assert from "node:assert/strict";
import { JCO_UTF8_ENCODE, speedUpGlue } from "../../../runtime/sandbox/worker/glue-speedups.ts";
import { setup } from "./helpers.ts";

/** A `utf8Encode` of `src` over a fresh memory, recording its `realloc` calls. */
function encoder(src: string) {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const reallocs: number[][] = [];
  let heap = 1024;
  const realloc = (old: number, oldSize: number, align: number, size: number) => {
    reallocs.push([old, oldSize, align, size]);
    const p = heap;
    heap += size;
    // Grows the memory as a guest allocator would (its buffer is then a new one).
    const short = heap - memory.buffer.byteLength;
    if (short > 0) memory.grow(Math.ceil(short / 65536));
    return p;
  };
  const make = new Function(
    "memory",
    "realloc",
    `const utf8Encoder = new TextEncoder(); let utf8EncodedLen = 0;\n${src}\n` +
      "return (s) => { const p = utf8Encode(s, realloc, memory); return [p, utf8EncodedLen]; };",
  );
  const encode = make(memory, realloc) as (s: unknown) => [number, number];
  return {
    reallocs,
    encode(s: unknown): { ptr: number; bytes: number[] } {
      const [ptr, len] = encode(s);
      return { ptr, bytes: [...new Uint8Array(memory.buffer, ptr, len)] };
    },
  };
}

Deno.test("the faster utf8Encode writes jco's bytes with jco's realloc calls", () => {
  const fast = speedUpGlue(JCO_UTF8_ENCODE);
  assert.notEqual(fast, JCO_UTF8_ENCODE, "the replacement applies to jco's text");
  const samples = [
    "",
    "echo",
    "msg_f7386df598094259b309e998fc461d6d",
    JSON.stringify({ action: "process", data: { list: [1, 2, 3], text: "x".repeat(200) } }),
    "\u007f",
    "\u0080",
    "héllo",
    "日本語",
    "emoji 🙂",
    "lone \uD800 surrogate",
    "\uDC00",
    "x".repeat(5000) + "é",
    "x".repeat(70_000),
  ];
  // Seeded random strings over ASCII, 2-, 3- and 4-byte characters and lone surrogates.
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pool = ["a", "Z", "\n", "\u0000", "é", "€", "🙂", "\uD83D", "\uDE42"];
  for (let i = 0; i < 300; i++) {
    samples.push(
      Array.from(
        { length: Math.floor(next() * 40) },
        () => pool[Math.floor(next() * (next() < 0.7 ? 3 : pool.length))],
      ).join(""),
    );
  }
  const a = encoder(JCO_UTF8_ENCODE);
  const b = encoder(fast);
  for (const s of samples) {
    assert.deepEqual(b.encode(s), a.encode(s), `on ${JSON.stringify(s).slice(0, 60)}`);
  }
  assert.deepEqual(b.reallocs, a.reallocs);
  assert.throws(() => b.encode(42), TypeError);
});

Deno.test("the bindings the store makes hold jco's utf8Encode (a jco upgrade must be looked at)", async () => {
  const s = await setup();
  try {
    const { glue } = await s.store.get(await s.wat("tiny"));
    assert.ok(glue.includes(JCO_UTF8_ENCODE), "jco's utf8Encode not found in the bindings");
    assert.ok(!speedUpGlue(glue).includes(JCO_UTF8_ENCODE));
    assert.equal(speedUpGlue("export const x = 1;"), "export const x = 1;");
  } finally {
    await s.close();
  }
});
