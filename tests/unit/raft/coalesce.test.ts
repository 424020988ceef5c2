import assert from "node:assert/strict";
import type { Entry, Message } from "../../../runtime/raft/mod.ts";
import { coalesceAppends } from "../../../runtime/raft/coalesce.ts";

const e = (index: number): Entry => ({
  type: "normal",
  index,
  term: 2,
  data: new Uint8Array([index]),
});
const append = (to: string, prevIndex: number, entries: Entry[], commit: number): Message => ({
  type: "append",
  term: 2,
  from: "a",
  to,
  prevIndex,
  prevTerm: 2,
  entries,
  commit,
});

Deno.test("coalesce: a commit notice and the next batch to a peer become one append", () => {
  const out = coalesceAppends(
    [
      append("b", 4, [], 4),
      append("c", 4, [], 4),
      append("b", 4, [e(5), e(6)], 4),
      append("c", 4, [e(5), e(6)], 4),
      append("b", 6, [e(7)], 5),
    ],
    64,
    1 << 20,
  );
  assert.deepEqual(out, [
    append("b", 4, [e(5), e(6), e(7)], 5),
    append("c", 4, [e(5), e(6)], 4),
  ]);
});

Deno.test("coalesce: gaps, other terms, other messages in between and limits keep messages apart", () => {
  const hb: Message = { type: "heartbeat", term: 2, from: "a", to: "b", commit: 4, readSeq: 0 };
  const apart = [
    [append("b", 4, [e(5)], 4), append("b", 3, [e(4)], 4)], // a retry from further back
    [append("b", 4, [e(5)], 4), { ...append("b", 5, [e(6)], 4), term: 3 } as Message],
    [append("b", 4, [e(5)], 4), hb, append("b", 5, [e(6)], 4)],
  ];
  for (const msgs of apart) assert.deepEqual(coalesceAppends(msgs, 64, 1 << 20), msgs);
  const two = [append("b", 4, [e(5)], 4), append("b", 5, [e(6)], 4)];
  assert.deepEqual(coalesceAppends(two, 1, 1 << 20), two, "maxEntries");
  assert.deepEqual(coalesceAppends(two, 64, 60), two, "maxBytes");
  assert.equal(coalesceAppends(two, 64, 1 << 20).length, 1);
});
