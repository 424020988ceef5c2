import assert from "node:assert/strict";
import { MessageHistory } from "../../../runtime/conversations/mod.ts";
import { delivery } from "./helpers.ts";

const d = delivery;

Deno.test("the history keeps the newest messages within its count", () => {
  const h = new MessageHistory({ maxEntries: 5 });
  for (let i = 1; i <= 12; i++) h.add(d(i, i % 2 ? "odd" : "even"), []);
  assert.equal(h.size, 5);
  const all = h.query({ limit: 100 });
  assert.deepEqual(all.entries.map((e) => e.message_id), ["m8", "m9", "m10", "m11", "m12"]);
  assert.equal(all.total, 5);
  const even = h.query({ conversation_id: "even", limit: 100 });
  assert.deepEqual(even.entries.map((e) => e.message_id), ["m8", "m10", "m12"]);
});

Deno.test("the history keeps within its byte budget, dropping the oldest", () => {
  const h = new MessageHistory({ maxEntries: 1000, maxBytes: 10_000 });
  for (let i = 1; i <= 10; i++) h.add(d(i, "c", "y".repeat(3000)), []);
  assert.ok(h.bytes <= 10_000, `${h.bytes} bytes`);
  assert.ok(h.size >= 2 && h.size <= 3);
  assert.equal(h.query({ limit: 1, order: "desc" }).entries[0].message_id, "m10");
});

Deno.test("cursors page through the history in both orders", () => {
  const h = new MessageHistory();
  for (let i = 1; i <= 7; i++) h.add(d(i, "c"), []);
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const p = h.query({ conversation_id: "c", limit: 3, cursor });
    assert.equal(p.total, 7);
    seen.push(...p.entries.map((e) => e.message_id));
    cursor = p.next_cursor;
  } while (cursor !== undefined);
  assert.deepEqual(seen, ["m1", "m2", "m3", "m4", "m5", "m6", "m7"]);
  const first = h.query({ limit: 2, order: "desc" });
  assert.deepEqual(first.entries.map((e) => e.message_id), ["m7", "m6"]);
  const next = h.query({ limit: 2, order: "desc", cursor: first.next_cursor });
  assert.deepEqual(next.entries.map((e) => e.message_id), ["m5", "m4"]);
  assert.throws(() => h.query({ limit: 1, cursor: "bogus" }), /invalid cursor/);
});
