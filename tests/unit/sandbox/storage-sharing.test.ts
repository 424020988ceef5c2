// Two instances of one agent sharing its storage (a deployment's second instance beside the
// first), in real sandbox Workers: they take turns, each sees the other's writes before its
// next call, and a checkpoint of one lists what the other wrote.
import assert from "node:assert/strict";
import { SharedStorage } from "../../../runtime/sandbox/mod.ts";
import { Recorder, request, setup } from "./helpers.ts";

function countOf(content: unknown): number {
  return (typeof content === "string" ? JSON.parse(content) : content).count;
}

Deno.test("two instances of the tiny counter sharing storage count every request once", async () => {
  const env = await setup({ maxAgentsPerWorker: 1 });
  try {
    const hash = await env.wat("tiny-counter");
    const rec = new Recorder();
    const a = await env.sandbox.activate({ agentId: "c@n1", hash, host: rec.host() });
    const shared = a.share();
    const b = await env.sandbox.activate({ agentId: "c@n1", hash, host: rec.host(), shared });
    assert.equal(shared.members, 2);
    assert.notEqual(a.worker, b.worker, "in two Workers");
    // Interleaved, all at once: 60 requests, alternating in runs of 1 to 3.
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      const to = i % 5 < 2 ? a : b;
      calls.push(to.deliver(request("c@n1", "inc")));
    }
    await Promise.all(calls);
    const n = shared.entries.get("n")!;
    assert.equal(new DataView(n.buffer, n.byteOffset).getInt32(0, true), 60);
    for (const h of [a, b]) {
      rec.sent.length = 0;
      await h.deliver(request("c@n1", "count?", { performative: "query-ref" }));
      assert.equal(countOf(rec.sent[0].content), 60, "each reads the one storage");
    }
    // b's last writes reach a's checkpoint.
    await b.deliver(request("c@n1", "inc"));
    const delta = await a.checkpoint();
    const [[key, value]] = delta.storage.set;
    assert.equal(key, "n");
    assert.equal(new DataView(value.buffer, value.byteOffset).getInt32(0, true), 61);
    await b.terminate();
    assert.equal(shared.members, 1);
    await a.deliver(request("c@n1", "inc"));
  } finally {
    await env.close();
  }
});

/** A turn of `member` asked for now: `granted` tells whether it was given (synchronously). */
function ask(s: SharedStorage, member: object): { granted: boolean } {
  const t = { granted: false };
  s.enter(member, () => (t.granted = true));
  return t;
}

Deno.test("SharedStorage turns: one member's calls run together, the other's wait, in the order asked", () => {
  const s = new SharedStorage(new Map());
  const a = {}, b = {};
  s.join(a);
  s.join(b);
  const a1 = ask(s, a), a2 = ask(s, a), b1 = ask(s, b), a3 = ask(s, a);
  // a's first two run at once; b waits for them; a's third waits behind b (no starving).
  assert.deepEqual([a1, a2, b1, a3].map((t) => t.granted), [true, true, false, false]);
  s.exit(a);
  assert.deepEqual([b1, a3].map((t) => t.granted), [false, false]);
  s.exit(a);
  assert.deepEqual([b1, a3].map((t) => t.granted), [true, false]);
  s.exit(b);
  assert.equal(a3.granted, true);
  s.exit(a);
  assert.equal(ask(s, b).granted, true, "free again");
});

Deno.test("SharedStorage patches: a member gets the others' writes once, last value of each key", () => {
  const s = new SharedStorage(new Map([["k", new Uint8Array([0])]]));
  const a = {}, b = {};
  s.join(a);
  s.join(b);
  s.wrote(a, "k", new Uint8Array([1]));
  s.wrote(a, "k", new Uint8Array([2]));
  s.wrote(a, "gone", new Uint8Array([9]));
  s.wrote(a, "gone", null);
  assert.equal(s.take(a), undefined, "its own writes are not its patch");
  assert.deepEqual(s.take(b), { set: [["k", new Uint8Array([2])]], del: ["gone"] });
  assert.equal(s.take(b), undefined, "taken once");
  assert.deepEqual([...s.entries], [["k", new Uint8Array([2])]]);
});

Deno.test("SharedStorage: a member that leaves frees its turns and its place in the queue", () => {
  const s = new SharedStorage(new Map());
  const a = {}, b = {};
  s.join(a);
  s.join(b);
  s.adopt(a, 2); // two calls of a were under way when the storage became shared
  const b1 = ask(s, b);
  const a1 = ask(s, a);
  assert.deepEqual([b1, a1].map((t) => t.granted), [false, false]);
  s.leave(a);
  assert.deepEqual([b1, a1].map((t) => t.granted), [true, false]);
  s.wrote(a, "late", new Uint8Array([1]));
  assert.equal(s.entries.has("late"), false, "a member that left writes nothing");
  assert.equal(s.members, 1);
  assert.throws(() => s.adopt(a, 1), /adopt: calls/);
  assert.equal(ask(s, {}).granted, false, "not a member: never");
});
