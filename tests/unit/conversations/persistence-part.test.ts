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

Deno.test("persistence: shards are stored as JSON text; shards stored as values are still read", async () => {
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
    assert.ok(r1.ok && r2.ok);
    a.trackers.put("a@p", "c1", r1.state);
    a.p.soon();
    await a.p.flush();
    const stored = await kv.get([...TRACKER_PREFIX, "a@p", "c1"]);
    assert.equal(typeof stored.value, "string");
    assert.deepEqual(JSON.parse(stored.value as string), trackerStateToJson(r1.state));
    // As an earlier version kept it: the state itself.
    await kv.set([...TRACKER_PREFIX, "a@p", "c2"], trackerStateToJson(r2.state));
    const b = parts(kv);
    assert.equal(await b.p.load(), 2);
    const loaded = b.p.takeLoadedTrackers();
    assert.deepEqual(loaded.map((t) => [t.cid, t.state]), [["c1", r1.state], ["c2", r2.state]]);
  } finally {
    kv.close();
  }
});
