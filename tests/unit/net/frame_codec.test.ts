import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import { encodeFrame, type Frame, FrameDecoder, FrameKind } from "../../../runtime/net/mod.ts";

const kinds = Object.values(FrameKind);

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.byteLength + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

Deno.test("frames round-trip whatever the pieces the bytes arrive in", () => {
  const frameArb = fc.record({
    kind: fc.constantFrom(...kinds),
    id: fc.integer({ min: 0, max: 0xffff_ffff }),
    body: fc.uint8Array({ maxLength: 300 }),
  });
  fc.assert(
    fc.property(
      fc.array(frameArb, { maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      (frames, cuts) => {
        const wire = new Uint8Array(frames.reduce((n, f) => n + 9 + f.body.byteLength, 0));
        let off = 0;
        for (const f of frames) {
          const enc = encodeFrame(f.kind, f.id, f.body);
          wire.set(enc, off);
          off += enc.byteLength;
        }
        const dec = new FrameDecoder(1024);
        const got: Frame[] = [];
        for (const piece of splitAt(wire, cuts)) {
          const { frames: out, error } = dec.push(piece);
          assert.equal(error, undefined);
          got.push(...out);
        }
        assert.equal(dec.buffered, 0);
        assert.deepEqual(
          got.map((f) => ({ kind: f.kind, id: f.id, body: Array.from(f.body) })),
          frames.map((f) => ({ kind: f.kind, id: f.id, body: Array.from(f.body) })),
        );
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("an oversized length is reported from its four bytes alone, and the decoder stays failed", () => {
  const dec = new FrameDecoder(100);
  const header = new Uint8Array([0, 0, 0, 101]); // length 101 > 100, no body yet
  const res = dec.push(header);
  assert.equal(res.error?.reason, "oversized");
  assert.match(res.error!.message, /101/);
  const again = dec.push(encodeFrame(FrameKind.SEND, 0, new Uint8Array(1)));
  assert.deepEqual(again.frames, []);
  assert.equal(again.error?.reason, "oversized");
});

Deno.test("a frame at exactly the limit is accepted", () => {
  const dec = new FrameDecoder(105);
  const { frames, error } = dec.push(encodeFrame(FrameKind.CHUNK, 1, new Uint8Array(100)));
  assert.equal(error, undefined);
  assert.equal(frames.length, 1);
  assert.equal(frames[0].body.byteLength, 100);
});

Deno.test("frames before a bad one are still delivered", () => {
  const dec = new FrameDecoder(1024);
  const good = encodeFrame(FrameKind.REQUEST, 5, new Uint8Array([1, 2]));
  const bad = new Uint8Array([0, 0, 0, 5, 99, 0, 0, 0, 0]); // unknown kind 99
  const wire = new Uint8Array([...good, ...bad]);
  const { frames, error } = dec.push(wire);
  assert.equal(frames.length, 1);
  assert.equal(frames[0].id, 5);
  assert.equal(error?.reason, "malformed");
  assert.match(error!.message, /kind 99/);
});

Deno.test("a length below the header size is malformed", () => {
  const dec = new FrameDecoder(1024);
  const { error } = dec.push(new Uint8Array([0, 0, 0, 4, 1, 0, 0, 0]));
  assert.equal(error?.reason, "malformed");
});

Deno.test("encodeFrame refuses ids outside u32", () => {
  assert.throws(() => encodeFrame(FrameKind.REQUEST, -1, new Uint8Array()), RangeError);
  assert.throws(() => encodeFrame(FrameKind.REQUEST, 2 ** 32, new Uint8Array()), RangeError);
});
