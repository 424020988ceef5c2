import assert from "node:assert/strict";
import { aid } from "../../../runtime/acl/mod.ts";
import { MAX_STORED_ENTRY_BYTES, MessageHistory } from "../../../runtime/conversations/mod.ts";
import { mentionOf } from "../../../runtime/conversations/history-text.ts";
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

Deno.test("the history keeps what was routed: later changes to the message objects do not show", () => {
  // Kept as text (settled, without a store at once; with a store once the store took it),
  // not as the router's objects, which their owners may reuse or change.
  for (const trackChanges of [false, true]) {
    const h = new MessageHistory({}, { trackChanges });
    const first = d(1, "c", "before");
    const outcomes = [{ receiver: "b@p", status: "delivered" as const }];
    h.add(first, outcomes);
    const second = d(2, "c", "before");
    const pending = h.add(second, [], true);
    h.settle(pending, outcomes);
    const taken = h.takeChanges().added.map((t) => JSON.parse(t.text).message.content);
    assert.deepEqual(taken, trackChanges ? ["before", "before"] : []);
    for (const x of [first, second]) {
      x.message.content = "after";
      x.message.receivers.push(aid("z@p"));
    }
    outcomes.push({ receiver: "z@p", status: "delivered" });
    const kept = h.query({ limit: 10 }).entries;
    assert.deepEqual(kept.map((e) => e.message.content), ["before", "before"], `${trackChanges}`);
    assert.deepEqual(kept.map((e) => e.receivers.length), [1, 1]);
    assert.deepEqual(kept.map((e) => e.message.receivers.length), [1, 1]);
  }
});

Deno.test("a pending entry is stored as it stands and again once settled; queries see it at once", () => {
  const h = new MessageHistory({}, { trackChanges: true });
  const e = h.add(d(1, "c"), [], true);
  assert.equal(h.query({ limit: 1 }).entries[0].receivers.length, 0);
  const first = h.takeChanges().added;
  assert.deepEqual(first.map((t) => JSON.parse(t.text).receivers), [[]]);
  h.settle(e, [{ receiver: "b@p", status: "delivered" }]);
  assert.equal(h.query({ limit: 1 }).entries[0].receivers.length, 1);
  const second = h.takeChanges().added;
  assert.deepEqual(second.map((t) => [t.seq, JSON.parse(t.text).receivers.length]), [[1, 1]]);
  assert.deepEqual(h.takeChanges().added, [], "taken once");
});

Deno.test("a big content stays in memory; the store's text leaves it out", () => {
  const h = new MessageHistory({}, { trackChanges: true });
  const big = "x".repeat(MAX_STORED_ENTRY_BYTES + 10);
  h.add(d(1, "c", big), []);
  const [stored] = h.takeChanges().added;
  const parsed = JSON.parse(stored.text);
  assert.equal(parsed.content_omitted, true);
  assert.equal(parsed.message.content, undefined);
  const [kept] = h.query({ limit: 1 }).entries;
  assert.equal(kept.message.content, big);
  assert.equal(kept.content_omitted, undefined);
});

Deno.test("adopt skips messages already here, whatever characters their ids hold", () => {
  const h = new MessageHistory({}, { trackChanges: true });
  const odd = { ...d(1, "c"), message_id: 'm"1\\é' };
  h.add(odd, []);
  h.takeChanges();
  h.add(d(2, "c"), [], true);
  const theirs = (i: number, id: string) => ({
    seq: i,
    message_id: id,
    accepted_at: odd.accepted_at,
    message: odd.message,
    receivers: [],
    bytes: 300,
  });
  assert.equal(h.adopt([theirs(7, 'm"1\\é'), theirs(8, "m2"), theirs(9, "m3")]), 1);
  assert.deepEqual(h.query({ limit: 10 }).entries.map((e) => [e.seq, e.message_id]), [
    [1, 'm"1\\é'],
    [2, "m2"],
    [3, "m3"],
  ]);
});

Deno.test("an agent's messages are found in text kept entries, names JSON escapes included", () => {
  const h = new MessageHistory();
  const from = (i: number, name: string) => {
    const x = d(i, "c");
    x.message.sender = aid(name);
    return x;
  };
  h.add(from(1, 'q"t@p'), []);
  h.add(from(2, "plain@p"), []);
  h.add(from(3, "plain"), [], true);
  const by = (agent: string) =>
    h.query({
      limit: 10,
      match: (e) => e.message.sender?.name.split("@")[0] === agent.split("@")[0],
      mentions: mentionOf(agent),
    }).entries.map((e) => e.seq);
  assert.deepEqual(by('q"t@p'), [1]);
  assert.deepEqual(by("plain@p"), [2, 3]);
  assert.equal(mentionOf('q"t@p'), undefined);
  assert.equal(mentionOf("plain@p"), "plain");
});
