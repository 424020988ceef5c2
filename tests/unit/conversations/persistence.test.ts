import assert from "node:assert/strict";
import {
  ConversationKv,
  ConversationService,
  exportAgentConversations,
  HISTORY_PAGE_CHARS,
  HISTORY_PAGE_PREFIX,
  HISTORY_PREFIX,
  importAgentConversations,
  MessageHistory,
  storedEntry,
  TRACKER_PAGE_PREFIX,
  type TrackerChange,
  TrackerStore,
} from "../../../runtime/conversations/mod.ts";
import { DEFAULT_TRACKER_LIMITS, type TrackerState } from "../../../protocols/mod.ts";
import { type Delivery, MessageRouter } from "../../../runtime/routing/mod.ts";
import { delivery, msg } from "./helpers.ts";

const d = delivery;

Deno.test("a history with trackChanges reports what was added and dropped since last asked", () => {
  const h = new MessageHistory({ maxEntries: 2 }, { trackChanges: true });
  for (let i = 1; i <= 3; i++) h.add(d(i, "c"), []);
  let c = h.takeChanges();
  // m1 came and went between two writes: the store never needs to see it.
  assert.deepEqual(c.added.map((e) => e.seq), [2, 3]);
  assert.deepEqual(c.dropped, []);
  h.add(d(4, "c"), []);
  c = h.takeChanges();
  assert.deepEqual(c.added.map((e) => e.seq), [4]);
  assert.deepEqual(c.dropped, [2]);
  assert.deepEqual(new MessageHistory().takeChanges(), { added: [], dropped: [] });
});

Deno.test("restore puts entries back within the bounds; positions continue after them", () => {
  const old = new MessageHistory();
  for (let i = 1; i <= 5; i++) old.add(d(i, i < 3 ? "old" : "c"), []);
  const entries = old.query({ limit: 10 }).entries;
  const h = new MessageHistory({ maxEntries: 3 }, { trackChanges: true });
  h.restore([entries[4], entries[2], entries[3], entries[0], entries[1]]);
  assert.deepEqual(h.query({ limit: 10 }).entries.map((e) => e.message_id), ["m3", "m4", "m5"]);
  assert.deepEqual(h.takeChanges(), { added: [], dropped: [1, 2] });
  assert.equal(h.add(d(6, "c"), []).seq, 6);
  const first = h.query({ conversation_id: "c", limit: 2 });
  const next = h.query({ conversation_id: "c", limit: 2, cursor: first.next_cursor });
  assert.deepEqual(first.entries.map((e) => e.message_id), ["m4", "m5"]);
  assert.deepEqual(next.entries.map((e) => e.message_id), ["m6"]);
});

Deno.test("dropAcceptedBefore drops the messages older than the cutoff", () => {
  const h = new MessageHistory();
  for (let i = 1; i <= 5; i++) h.add(d(i, "c"), []);
  assert.equal(h.dropAcceptedBefore(new Date(Date.UTC(2030, 0, 1, 0, 0, 3)).toISOString()), 2);
  assert.deepEqual(h.query({ limit: 10 }).entries.map((e) => e.message_id), ["m3", "m4", "m5"]);
});

Deno.test("a tracker store with trackChanges names the shards stored and forgotten", () => {
  const store = new TrackerStore({ ...DEFAULT_TRACKER_LIMITS, maxActive: 1 }, {
    trackChanges: true,
  });
  const st = (cid: string) => {
    const s = store.fresh("a@p");
    s.active.set(`${cid}|x`, {
      conversation_id: cid,
      touched: 1,
      machine: { protocol: "fipa-request" },
    } as never);
    return s;
  };
  store.put("a@p", "c1", st("c1"));
  store.put("a@p", "c2", st("c2"));
  assert.deepEqual(store.takeChanged().sort(), [["a@p", "c1"], ["a@p", "c2"]]);
  assert.equal(store.get("a@p", "c1"), undefined, "c1 evicted: to delete");
  store.dropAgent("a@p");
  assert.deepEqual(store.takeChanged(), [["a@p", "c2"]]);
  assert.deepEqual(store.takeChanged(), []);
});

Deno.test("big contents are kept without their content", () => {
  const h = new MessageHistory();
  const e = h.add(d(1, "c", "z".repeat(60_000)), []);
  const s = storedEntry(e);
  assert.equal(s.content_omitted, true);
  assert.equal(s.message.content, undefined);
  const small = h.add(d(2, "c"), []);
  assert.equal(storedEntry(small), small);
});

/** The seqs of the entries in the stored history pages (current or not). */
async function storedSeqs(kv: Deno.Kv): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for await (const e of kv.list<string>({ prefix: [...HISTORY_PAGE_PREFIX] })) {
    for (const x of JSON.parse(e.value) as { seq: number }[]) {
      out.set(x.seq, e.key.at(-1) as number);
    }
  }
  return out;
}

async function withKv(f: (kv: Deno.Kv, path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const kv = await Deno.openKv(`${dir}/kv`);
    try {
      await f(kv, `${dir}/kv`);
    } finally {
      kv.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("history pages: the store keeps the history's bounds; a page goes with its last entry", async () => {
  await withKv(async (kv) => {
    const h = new MessageHistory({ maxEntries: 3 }, { trackChanges: true });
    const store = new ConversationKv(kv);
    await store.load();
    // Two messages per write: each write makes one page.
    for (let i = 1; i <= 20; i += 2) {
      h.add(d(i, "c"), []);
      h.add(d(i + 1, "c"), []);
      await store.write(h.takeChanges(), []);
    }
    const stored = await storedSeqs(kv);
    // Kept: 18, 19, 20. Page 9 (17, 18) stays for 18; page 10 holds 19, 20.
    assert.deepEqual([...stored.keys()].sort((a, b) => a - b), [17, 18, 19, 20]);
    assert.deepEqual(new Set(stored.values()), new Set([9, 10]));
    const back = await new ConversationKv(kv).load();
    assert.deepEqual(back.history.map((e) => e.seq), [17, 18, 19, 20]);
    const again = new MessageHistory({ maxEntries: 3 }, { trackChanges: true });
    again.restore(back.history);
    assert.deepEqual(again.takeChanges().dropped, [17], "the bound drops what it read too");
  });
});

/** The shards a fresh load reads back, as `cid` (sorted), and the tracker pages kept. */
async function storedShards(kv: Deno.Kv): Promise<{ cids: string[]; pages: number[] }> {
  const back = await new ConversationKv(kv).load();
  const pages = await Array.fromAsync(kv.list({ prefix: [...TRACKER_PAGE_PREFIX] }));
  return {
    cids: back.trackers.map((t) => t.cid).sort(),
    pages: pages.map((p) => p.key.at(-1) as number),
  };
}

Deno.test("tracker pages: one key per write; a page goes with its last current shard; one never written costs nothing", async () => {
  await withKv(async (kv) => {
    const sets: Deno.KvKey[] = [];
    const deletes: Deno.KvKey[] = [];
    const atomic = kv.atomic.bind(kv);
    kv.atomic = () => {
      const a = atomic();
      const set = a.set.bind(a);
      const del = a.delete.bind(a);
      a.set = (key, value) => (sets.push(key), set(key, value));
      a.delete = (key) => (deletes.push(key), del(key));
      return a;
    };
    const state = new TrackerStore(DEFAULT_TRACKER_LIMITS).fresh("a@p");
    const none = () => new MessageHistory({}, { trackChanges: true }).takeChanges();
    const store = new ConversationKv(kv);
    await store.load();
    const many = Array.from({ length: 100 }, (_, i) => ["a@p", `c${i}`, state] as TrackerChange);
    await store.write(none(), many);
    assert.deepEqual(sets, [[...TRACKER_PAGE_PREFIX, 1]], "100 shards, one key");
    await store.write(none(), [["a@p", "x", state], ["a@p", "never", undefined]]);
    assert.equal(deletes.length, 0, "nothing deleted for a shard the store never held");
    assert.deepEqual((await storedShards(kv)).pages, [1, 2]);
    // Forgotten, all of page 1: the page goes, no tombstone is needed.
    await store.write(none(), many.map(([a, c]) => [a, c, undefined] as TrackerChange));
    assert.deepEqual(deletes, [[...TRACKER_PAGE_PREFIX, 1]]);
    assert.deepEqual(await storedShards(kv), { cids: ["x"], pages: [2] });
  });
});

Deno.test("tracker pages: a shard forgotten while an older page holds it does not come back", async () => {
  await withKv(async (kv) => {
    const state = new TrackerStore(DEFAULT_TRACKER_LIMITS).fresh("a@p");
    const none = () => new MessageHistory({}, { trackChanges: true }).takeChanges();
    const store = new ConversationKv(kv);
    await store.load();
    await store.write(none(), [["a@p", "long", state], ["a@p", "gone", state]]);
    await store.write(none(), [["a@p", "gone", state], ["a@p", "other", state]]);
    // Page 1 stays for `long`, and holds an older `gone`: forgetting it needs a tombstone.
    await store.write(none(), [["a@p", "gone", undefined]]);
    assert.deepEqual(await storedShards(kv), { cids: ["long", "other"], pages: [1, 2, 3] });
    // A restart reads it as forgotten, and keeps hiding it.
    const again = new ConversationKv(kv);
    assert.deepEqual((await again.load()).trackers.map((t) => t.cid).sort(), ["long", "other"]);
    await again.write(none(), [["a@p", "other", undefined]]);
    assert.deepEqual((await storedShards(kv)).cids, ["long"]);
    // `long` goes: page 1 goes, the tombstone is needed no more, and its page goes too.
    await again.write(none(), [["a@p", "long", undefined]]);
    assert.deepEqual(await storedShards(kv), { cids: [], pages: [] });
  });
});

Deno.test("tracker pages: an old page kept by a long-lived shard is written again, so pages stay bounded", async () => {
  await withKv(async (kv) => {
    const state = new TrackerStore(DEFAULT_TRACKER_LIMITS).fresh("a@p");
    const none = () => new MessageHistory({}, { trackChanges: true }).takeChanges();
    const live = new Map<string, TrackerState>([["long", state]]);
    const current = (_: string, cid: string) => live.get(cid);
    const batch = (i: number) => Array.from({ length: 20 }, (_, j) => `c${i}-${j}`);
    const put = (i: number) => batch(i).map((c) => ["a@p", c, state] as TrackerChange);
    const store = new ConversationKv(kv);
    await store.load();
    await store.write(none(), [["a@p", "long", state], ...put(0)], current);
    // Each round forgets the shards of the round before (an older version of which the
    // page kept for `long`, or one kept for tombstones, holds: tombstones) and writes new
    // ones twice.
    // Without cleaning, every round would keep one more page.
    await store.write(none(), put(0), current);
    for (let i = 1; i < 400; i++) {
      const forget = batch(i - 1).map((c) => ["a@p", c, undefined] as TrackerChange);
      await store.write(none(), [...forget, ...put(i)], current);
      await store.write(none(), put(i), current);
    }
    const { cids, pages } = await storedShards(kv);
    assert.deepEqual(cids, [...Array.from({ length: 20 }, (_, j) => `c399-${j}`), "long"].sort());
    assert.ok(pages.length < 100, `${pages.length} pages kept`);
  });
});

Deno.test("history pages: an entry written again is read in its newest version", async () => {
  await withKv(async (kv) => {
    const h = new MessageHistory({}, { trackChanges: true });
    const store = new ConversationKv(kv);
    await store.load();
    const e1 = h.add(d(1, "c"), []);
    h.add(d(2, "c"), []);
    await store.write(h.takeChanges(), []);
    h.settle(e1, [{ receiver: "b@p", status: "delivered" }]);
    await store.write(h.takeChanges(), []);
    const back = await new ConversationKv(kv).load();
    assert.deepEqual(back.history.map((e) => [e.seq, e.receivers.length]), [[1, 1], [2, 0]]);
    // seq → the newest page holding it: 1 in page 2, 2 in page 1.
    assert.deepEqual([...(await storedSeqs(kv)).entries()], [[1, 2], [2, 1]]);
    // Entry 2 goes: page 1 has no current entry left and is deleted.
    h.discard(h.add(d(3, "c"), []));
    const e2 = back.history[1];
    h.discard(e2);
    await store.write(h.takeChanges(), []);
    assert.deepEqual([...(await storedSeqs(kv)).entries()], [[1, 2]]);
  });
});

Deno.test("history pages: a store written to without a load numbers its pages after the last", async () => {
  await withKv(async (kv) => {
    const first = new MessageHistory({}, { trackChanges: true });
    first.add(d(1, "c"), []);
    await new ConversationKv(kv).write(first.takeChanges(), []);
    const second = new MessageHistory({}, { trackChanges: true });
    second.add(d(2, "c"), []);
    await new ConversationKv(kv).write(second.takeChanges(), []);
    // Both runs numbered their entry seq 1: the later page (2) wins, page 1 is not overwritten.
    const pages = await Array.fromAsync(kv.list<string>({ prefix: [...HISTORY_PAGE_PREFIX] }));
    assert.deepEqual(pages.map((p) => p.key.at(-1)), [1, 2]);
    const back = await new ConversationKv(kv).load();
    assert.deepEqual(back.history.map((e) => e.message_id), ["m2"]);
  });
});

Deno.test("history pages: big pages split; entries kept one per key before are read and removed", async () => {
  await withKv(async (kv) => {
    const legacy = storedEntry({ ...d(1, "c"), seq: 1, receivers: [], bytes: 10 } as never);
    await kv.set([...HISTORY_PREFIX, 1], JSON.stringify(legacy));
    const store = new ConversationKv(kv);
    const loaded = await store.load();
    assert.deepEqual(loaded.history.map((e) => e.seq), [1]);
    const h = new MessageHistory({ maxEntries: 4 }, { trackChanges: true });
    h.restore(loaded.history);
    const big = "x".repeat(HISTORY_PAGE_CHARS / 2);
    for (let i = 2; i <= 5; i++) h.add(d(i, "c", big), []);
    await store.write(h.takeChanges(), []);
    assert.equal((await kv.get([...HISTORY_PREFIX, 1])).value, null, "pushed out: removed");
    const pages = await Array.fromAsync(kv.list<string>({ prefix: [...HISTORY_PAGE_PREFIX] }));
    assert.equal(pages.length, 4, "one entry of half a page's size per page");
    for (const p of pages) assert.ok(p.value.length <= HISTORY_PAGE_CHARS + 1000);
  });
});

Deno.test("history and open conversations survive a restart through Deno KV", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv`;
  const setup = async () => {
    const kv = await Deno.openKv(path);
    const router = new MessageRouter("p");
    router.register("a", { deliver: () => {} });
    router.register("client", { deliver: () => {} });
    const conv = new ConversationService({
      router,
      isAgent: (n) => n === "a",
      timers: null,
      store: new ConversationKv(kv),
      history: { maxEntries: 3 },
    });
    const loaded = await conv.load();
    const detach = conv.attach();
    conv.restoreTrackers();
    return { kv, router, conv, detach, loaded };
  };
  try {
    const one = await setup();
    assert.deepEqual(one.loaded, { messages: 0, trackers: 0 });
    let n = 0;
    const send = (m: ReturnType<typeof msg>, origin: Delivery["origin"] = "http") =>
      one.router.route({
        message_id: `msg_${++n}`,
        message: m,
        accepted_at: new Date().toISOString(),
        origin,
      });
    await send(msg("request", "client", "a", { protocol: "fipa-request", reply_with: "r1" }));
    await send(msg("agree", "a", "client", { protocol: "fipa-request" }), "agent");
    for (let i = 0; i < 3; i++) await send(msg("inform", "client", "a", { conversation_id: "x" }));
    await one.conv.flush();
    one.detach();
    one.kv.close();

    const two = await setup();
    try {
      assert.deepEqual(two.loaded, { messages: 3, trackers: 1 });
      assert.equal((await storedSeqs(two.kv)).size >= 3, true, "every kept message is stored");
      const v = two.conv.view("c1");
      assert.equal(v?.state, "agreed", "the open conversation is back");
      const page = two.conv.messages({ conversation_id: "x", limit: 2 });
      assert.equal(page.total, 3);
      // The protocol goes on where it stopped: `inform` ends it.
      await two.router.route({
        message_id: "msg_99",
        message: msg("inform", "a", "client", { protocol: "fipa-request" }),
        accepted_at: new Date().toISOString(),
        origin: "agent",
      });
      assert.equal(two.conv.view("c1")?.state, "done");
      await two.conv.flush();
    } finally {
      two.detach();
      two.kv.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an agent's tracker and messages move with it (exportAgentConversations / importAgentConversations)", async () => {
  const make = () => {
    const router = new MessageRouter("p");
    router.register("a", { deliver: () => {} });
    router.register("client", { deliver: () => {} });
    const conv = new ConversationService({ router, isAgent: (n) => n === "a", timers: null });
    return { router, conv, detach: conv.attach() };
  };
  const src = make();
  const dst = make();
  try {
    let n = 0;
    const send = (w: typeof src, m: ReturnType<typeof msg>, origin: Delivery["origin"]) =>
      w.router.route({
        message_id: `msg_${++n}`,
        message: m,
        accepted_at: new Date().toISOString(),
        origin,
      });
    await send(src, msg("request", "client", "a", { protocol: "fipa-request" }), "http");
    await send(src, msg("agree", "a", "client", { protocol: "fipa-request" }), "agent");
    await send(src, msg("inform", "client", "client", { conversation_id: "other" }), "http");
    const snap = exportAgentConversations(src.conv, "a");
    assert.ok(snap !== null);
    // What migration does: the value travels as JSON.
    importAgentConversations(dst.conv, "a@p", JSON.parse(JSON.stringify(snap)));
    assert.equal(dst.conv.view("c1")?.state, "agreed");
    const page = dst.conv.messages({ conversation_id: "c1", limit: 10 });
    assert.deepEqual(page.entries.map((e) => e.message.performative), ["request", "agree"]);
    assert.equal(dst.conv.messages({ conversation_id: "other", limit: 10 }).total, 0);
    // Importing again (a retried move) adds no duplicates.
    importAgentConversations(dst.conv, "a@p", JSON.parse(JSON.stringify(snap)));
    assert.equal(dst.conv.messages({ conversation_id: "c1", limit: 10 }).total, 2);
    // An older node's snapshot carries the bare tracker state.
    const old = make();
    importAgentConversations(old.conv, "a@p", src.conv.getTrackerState("a@p"));
    assert.equal(old.conv.view("c1")?.state, "agreed");
    old.detach();
    assert.throws(
      () => importAgentConversations(dst.conv, "a@p", { v: "bogus" }),
      /Invalid tracker state/,
    );
    assert.equal(exportAgentConversations(src.conv, "nobody"), null);
  } finally {
    src.detach();
    dst.detach();
  }
});

Deno.test("an agent's snapshot carries its newest messages within the byte bound", async () => {
  const router = new MessageRouter("p");
  router.register("a", { deliver: () => {} });
  const conv = new ConversationService({ router, isAgent: (n) => n === "a", timers: null });
  const detach = conv.attach();
  try {
    for (let i = 0; i < 10; i++) {
      await router.route({
        message_id: `big_${i}`,
        message: msg("inform", "client", "a", {
          conversation_id: `b${i}`,
          content: "y".repeat(40_000),
        }),
        accepted_at: new Date().toISOString(),
        origin: "http",
      });
    }
    const snap = exportAgentConversations(conv, "a") as { messages: { message_id: string }[] };
    // 256 KiB holds six of the 40 KB messages: the newest six, oldest first.
    assert.deepEqual(
      snap.messages.map((m) => m.message_id),
      [4, 5, 6, 7, 8, 9].map((i) => `big_${i}`),
    );
  } finally {
    detach();
  }
});
