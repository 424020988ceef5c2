// The persistence part: group commits of history and tracker changes to Deno KV, and what
// a restart reads back (the history at once, the trackers once asked for).
import assert from "node:assert/strict";
import {
  DEFAULT_TRACKER_LIMITS,
  trackerStateToJson,
  trackMessage,
} from "../../../protocols/mod.ts";
import {
  ConversationKv,
  MessageHistory,
  trackedFromAcl,
  TRACKER_PAGE_PREFIX,
  TRACKER_PREFIX,
  TrackerStore,
} from "../../../runtime/conversations/mod.ts";
import { ConversationPersistence } from "../../../runtime/conversations/persistence.ts";
import { delivery, msg } from "./helpers.ts";

function parts(kv?: Deno.Kv) {
  const history = new MessageHistory({}, { trackChanges: true });
  const trackers = new TrackerStore(DEFAULT_TRACKER_LIMITS, { trackChanges: true });
  const p = new ConversationPersistence({
    kv: kv === undefined ? undefined : new ConversationKv(kv),
    history,
    trackers,
  });
  return { history, trackers, p };
}

Deno.test("persistence: without a store nothing is written or read", async () => {
  const { history, p } = parts();
  assert.equal(p.enabled, false);
  history.add(delivery(1, "c1"), []);
  p.soon();
  await p.flush();
  assert.equal(await p.load(), undefined);
  assert.deepEqual(p.takeLoadedTrackers(), []);
});

Deno.test("persistence: changes are written in group commits and read back after a restart", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const a = parts(kv);
    assert.equal(a.p.enabled, true);
    for (let i = 1; i <= 3; i++) a.history.add(delivery(i, "c1"), []);
    const opening = msg("request", "a", "b", { protocol: "fipa-request" });
    const r = trackMessage(
      a.trackers.fresh("a@p"),
      "sent",
      trackedFromAcl(opening, (n) => n, "2030-01-01T00:00:00.000Z"),
    );
    assert.ok(r.ok);
    const st = r.state;
    a.trackers.put("a@p", "c1", st);
    a.p.soon();
    a.p.soon();
    await a.p.flush();
    const b = parts(kv);
    assert.equal(await b.p.load(), 1);
    assert.deepEqual(b.history.query({ limit: 10 }).entries.map((e) => e.message_id), [
      "m1",
      "m2",
      "m3",
    ]);
    assert.equal(b.trackers.size, 0, "trackers wait to be asked for");
    const loaded = b.p.takeLoadedTrackers();
    assert.deepEqual(loaded.map((t) => [t.agent, t.cid]), [["a@p", "c1"]]);
    assert.deepEqual(b.p.takeLoadedTrackers(), [], "once");
    // A forgotten shard is deleted from the store too.
    b.trackers.put("a@p", "c1", st);
    b.trackers.takeChanged();
    b.trackers.dropAgent("a@p");
    b.p.soon();
    await b.p.flush();
    const c = parts(kv);
    assert.equal(await c.p.load(), 0);
  } finally {
    kv.close();
  }
});

Deno.test("persistence: shards are stored in pages as JSON text; shards kept under their own keys are still read", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const a = parts(kv);
    const opening = (cid: string) =>
      trackedFromAcl(
        msg("request", "a", "b", { protocol: "fipa-request", conversation_id: cid }),
        (n) => n,
        "2030-01-01T00:00:00.000Z",
      );
    const r1 = trackMessage(a.trackers.fresh("a@p"), "sent", opening("c1"));
    const r2 = trackMessage(a.trackers.fresh("a@p"), "sent", opening("c2"));
    const r3 = trackMessage(a.trackers.fresh("a@p"), "sent", opening("c3"));
    assert.ok(r1.ok && r2.ok && r3.ok);
    a.trackers.put("a@p", "c1", r1.state);
    a.trackers.put("a@p", "c3", r3.state);
    a.p.soon();
    await a.p.flush();
    // One key for both shards, the page: `[agent, cid, state]` as JSON text.
    const pages = await Array.fromAsync(kv.list({ prefix: [...TRACKER_PAGE_PREFIX] }));
    assert.equal(pages.length, 1);
    assert.equal(typeof pages[0].value, "string");
    assert.deepEqual(JSON.parse(pages[0].value as string), [
      ["a@p", "c1", trackerStateToJson(r1.state)],
      ["a@p", "c3", trackerStateToJson(r3.state)],
    ]);
    assert.equal((await kv.get([...TRACKER_PREFIX, "a@p", "c1"])).value, null);
    // As earlier versions kept them: the state itself, or its text, under its own key.
    await kv.set([...TRACKER_PREFIX, "a@p", "c2"], trackerStateToJson(r2.state));
    await kv.set([...TRACKER_PREFIX, "a@p", "c3"], JSON.stringify(trackerStateToJson(r1.state)));
    const b = parts(kv);
    assert.equal(await b.p.load(), 3);
    const loaded = b.p.takeLoadedTrackers();
    // c3: the page's version wins over its own key's.
    assert.deepEqual(
      loaded.map((t) => [t.cid, t.state]),
      [["c2", r2.state], ["c1", r1.state], ["c3", r3.state]],
    );
    // Written again: the own key goes (c2), as does the one the page overrode (c3).
    b.trackers.put("a@p", "c2", r2.state);
    b.p.soon();
    await b.p.flush();
    assert.deepEqual(await Array.fromAsync(kv.list({ prefix: [...TRACKER_PREFIX] })), []);
    const c = parts(kv);
    assert.equal(await c.p.load(), 3);
  } finally {
    kv.close();
  }
});
