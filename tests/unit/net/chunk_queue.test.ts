import assert from "node:assert/strict";
import { ChunkQueue } from "../../../runtime/net/chunk-queue.ts";

Deno.test("chunks come out in order and the iterator ends after end()", async () => {
  const q = new ChunkQueue({ highWaterBytes: 100, lowWaterBytes: 10 });
  q.push(new Uint8Array([1]));
  q.push(new Uint8Array([2, 3]));
  const seen: number[] = [];
  const reading = (async () => {
    for await (const c of q) seen.push(...c);
  })();
  q.push(new Uint8Array([4]));
  q.end();
  await reading;
  assert.deepEqual(seen, [1, 2, 3, 4]);
});

Deno.test("watermarks fire once per crossing", async () => {
  const events: string[] = [];
  const q = new ChunkQueue({
    highWaterBytes: 4,
    lowWaterBytes: 2,
    onHigh: () => events.push("high"),
    onLow: () => events.push("low"),
  });
  for (let i = 0; i < 6; i++) q.push(new Uint8Array(1));
  assert.deepEqual(events, ["high"]);
  assert.equal(q.bufferedBytes, 6);
  q.end();
  const it = q[Symbol.asyncIterator]();
  for (let i = 0; i < 3; i++) await it.next();
  assert.deepEqual(events, ["high"]); // 3 bytes left > low water
  await it.next();
  assert.deepEqual(events, ["high", "low"]); // 2 bytes left
  await it.next();
  await it.next();
  assert.equal((await it.next()).done, true);
});

Deno.test("fail() rejects the reader with the error", async () => {
  const q = new ChunkQueue({ highWaterBytes: 10, lowWaterBytes: 1 });
  const reading = (async () => {
    for await (const _ of q) { /* drain */ }
  })();
  q.fail(new Error("boom"));
  await assert.rejects(reading, /boom/);
});

Deno.test("a queue can be iterated only once", async () => {
  const q = new ChunkQueue({ highWaterBytes: 10, lowWaterBytes: 1 });
  q.end();
  for await (const _ of q) { /* nothing */ }
  await assert.rejects(async () => {
    for await (const _ of q) { /* nothing */ }
  }, /only once/);
});
