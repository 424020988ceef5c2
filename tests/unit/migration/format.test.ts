// The snapshot format: canonical bytes, exact round trips, and decoding that names what
// is wrong with bytes that are not a snapshot.
import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import {
  decodeSnapshot,
  encodeSnapshot,
  gunzip,
  gzip,
  SnapshotFormatError,
} from "../../../runtime/migration/mod.ts";
import { sampleSnapshot } from "./fixtures.ts";

Deno.test("a snapshot round-trips exactly, and equal snapshots give equal bytes", () => {
  const s = sampleSnapshot();
  const bytes = encodeSnapshot(s);
  const back = decodeSnapshot(bytes);
  assert.deepEqual(back.meta, s.meta);
  assert.deepEqual(back.record, s.record);
  assert.deepEqual(back.storage, s.storage);
  assert.deepEqual(back.history, s.history);
  assert.deepEqual(back.conversations, s.conversations);
  assert.equal(back.queued[0].delivery.message_id, "msg_1");
  assert.deepEqual(back.queued[0].delivery.message.content, { n: 1 });
  assert.deepEqual(
    back.memory.instances[1].memories[0].bytes,
    s.memory.instances[1].memories[0].bytes,
  );
  assert.equal(back.memory.instances[1].globals[1].value, -5n);
  assert.ok(Number.isNaN(back.memory.instances[1].globals[2].value));
  // Storage order and key order in objects do not change the bytes.
  const shuffled = sampleSnapshot({ storage: [...s.storage].reverse() });
  assert.deepEqual(encodeSnapshot(shuffled), bytes);
  assert.deepEqual(encodeSnapshot(back), bytes);
});

Deno.test("storage of any keys and values round-trips (property)", () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.uint8Array({ maxLength: 64 })),
      (dict) => {
        const storage = Object.entries(dict) as [string, Uint8Array][];
        const back = decodeSnapshot(encodeSnapshot(sampleSnapshot({ storage })));
        const sorted = [...storage].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        assert.deepEqual(back.storage, sorted);
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("bad bytes are refused naming the problem", () => {
  const good = encodeSnapshot(sampleSnapshot());
  const expect = (bytes: Uint8Array, re: RegExp) =>
    assert.throws(() => decodeSnapshot(bytes), (e: Error) => {
      assert.ok(e instanceof SnapshotFormatError);
      assert.match(e.message, re);
      return true;
    });
  expect(new TextEncoder().encode("hello"), /FIPASNAP/);
  const v2 = good.slice();
  v2[9] = 2;
  expect(v2, /version 2/);
  expect(good.subarray(0, good.length - 1), /memory section/);
  const extra = new Uint8Array(good.length + 1);
  extra.set(good);
  expect(extra, /memory section/);
  // A header whose record names another component than the memory.
  const other = sampleSnapshot();
  other.record = { ...other.record, hash: "ee".repeat(32) };
  expect(encodeSnapshot(other), /belongs to component/);
  // A field of the wrong shape is named by its path.
  const badNonce = sampleSnapshot({ meta: { ...sampleSnapshot().meta, nonce: "xyz" } });
  expect(encodeSnapshot(badNonce), /meta\.nonce/);
});

Deno.test("gunzip stops at its limit", async () => {
  const zeros = await gzip(new Uint8Array(1 << 20));
  assert.ok(zeros.length < 10_000);
  assert.equal((await gunzip(zeros, 1 << 20)).length, 1 << 20);
  await assert.rejects(gunzip(zeros, 1000), RangeError);
  await assert.rejects(gunzip(new Uint8Array([1, 2, 3]), 1000), TypeError);
});
