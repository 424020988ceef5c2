// The trackers part: what storing a shard implies (due times, events, notices, bounds) and
// the steps by the clock (tick, sweep, timeout), with no router and no timer.
import assert from "node:assert/strict";
import { type AclMessage } from "../../../runtime/acl/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";
import { EventBus, type NodeEvent } from "../../../runtime/events/mod.ts";
import {
  DEFAULT_TRACKER_LIMITS,
  type TrackerLimits,
  trackerStateToJson,
  trackMessage,
} from "../../../protocols/mod.ts";
import {
  canonicalNames,
  type DeadlineNotice,
  trackedFromAcl,
  TrackerStore,
} from "../../../runtime/conversations/mod.ts";
import { DeadlineTimer } from "../../../runtime/conversations/deadline-timer.ts";
import { SubConversationLinks } from "../../../runtime/conversations/links.ts";
import { parseTrackerState, Trackers } from "../../../runtime/conversations/trackers.ts";
import { msg } from "./helpers.ts";

const T0 = Date.parse("2030-01-01T00:00:00.000Z");
const canon = canonicalNames(
  (n) => (n.endsWith("@p") ? n.slice(0, -2) : n.includes("@") ? undefined : n),
  "p",
);

function setup(
  opts: { limits?: Partial<TrackerLimits>; maxTrackers?: number; gone?: string[] } = {},
) {
  const store = new TrackerStore({ ...DEFAULT_TRACKER_LIMITS, ...opts.limits });
  const due = new DeadlineTimer({ timers: null, now: () => T0, fire: () => {} });
  const links = new SubConversationLinks();
  const events: NodeEvent[] = [];
  const bus = new EventBus("n1");
  bus.subscribe({}, (e) => events.push(e));
  const notices: DeadlineNotice[] = [];
  let changes = 0;
  const gone = new Set(opts.gone);
  const trackers = new Trackers({
    store,
    links,
    due,
    canon,
    keeps: (name) => !gone.has(name),
    maxTrackers: opts.maxTrackers ?? 100,
    events: bus,
    notify: (n) => notices.push(n),
    changed: () => changes++,
  });
  return { store, due, links, events, notices, trackers, gone, changes: () => changes };
}

/** `from` opens a request conversation `cid` with `to`, as `from`'s tracker sees it. */
function opened(
  store: TrackerStore,
  from: string,
  to: string,
  cid: string,
  extra: Partial<AclMessage> = {},
) {
  const m = {
    ...msg("request", from, to, { protocol: "fipa-request", conversation_id: cid }),
    ...extra,
  };
  const before = store.get(`${from}@p`, cid);
  const r = trackMessage(
    before ?? store.fresh(`${from}@p`),
    "sent",
    trackedFromAcl(m, canon, new Date(T0).toISOString()),
  );
  assert.ok(r.ok);
  return { before, state: r.state, effects: r.effects };
}

Deno.test("trackers: a commit stores the shard with its reply_by due time and publishes its effects", () => {
  const s = setup();
  const replyBy = new Date(T0 + 5000).toISOString();
  const o = opened(s.store, "a", "b", "c1", { reply_by: replyBy });
  s.trackers.commit("a@p", "c1", o.before, o.state, o.effects);
  assert.equal(s.store.get("a@p", "c1"), o.state);
  assert.equal(s.due.get("a@p", "c1"), T0 + 5000);
  assert.deepEqual(s.events.map((e) => [e.type, e.agent_id, e.conversation_id]), [
    ["conversation.started", "a@p", "c1"],
  ]);
  assert.equal(s.changes(), 1);
});

Deno.test("trackers: conversations forgotten to keep the bounds end with an event and lose their due time", () => {
  const s = setup({ limits: { maxActive: 1 } });
  const replyBy = new Date(T0 + 5000).toISOString();
  const first = opened(s.store, "a", "b", "c1", { reply_by: replyBy });
  s.trackers.commit("a@p", "c1", first.before, first.state, []);
  const second = opened(s.store, "a", "b", "c2");
  s.trackers.commit("a@p", "c2", second.before, second.state, []);
  assert.equal(s.store.get("a@p", "c1"), undefined);
  assert.equal(s.due.get("a@p", "c1"), undefined);
  assert.deepEqual(s.events.map((e) => [e.type, e.conversation_id, e.details?.by]), [
    ["conversation.ended", "c1", "evicted"],
  ]);
});

Deno.test("trackers: a tick steps the due shards, tells the initiator and forgets the due time", () => {
  const s = setup();
  const replyBy = new Date(T0 + 1000).toISOString();
  const o = opened(s.store, "a", "b", "c1", { reply_by: replyBy });
  s.trackers.commit("a@p", "c1", o.before, o.state, o.effects);
  s.trackers.tick(T0 + 999);
  assert.equal(s.notices.length, 0);
  s.trackers.tick(T0 + 1000);
  assert.deepEqual(s.notices.map((n) => [n.kind, n.to, n.self, n.reason, n.parties]), [
    ["timeout", "a@p", true, "deadline", ["b@p"]],
  ]);
  assert.deepEqual(s.notices[0].deadlines, [replyBy]);
  assert.equal(s.due.get("a@p", "c1"), undefined);
  assert.equal(s.due.size, 0);
});

Deno.test("trackers: a shell's timeout times the conversation out and tells the initiator", () => {
  const s = setup();
  const o = opened(s.store, "a", "b", "c1");
  s.trackers.commit("a@p", "c1", o.before, o.state, o.effects);
  s.trackers.timeout("a", "c1", "b");
  assert.deepEqual(s.notices.map((n) => [n.to, n.reason, n.parties]), [["a@p", "timeout", [
    "b@p",
  ]]]);
  s.trackers.timeout("a", "unknown");
  assert.equal(s.notices.length, 1, "a conversation without a shard: nothing");
});

Deno.test("trackers: the sweep expires idle conversations only", () => {
  const s = setup({ limits: { idleMs: 60_000 } });
  const o = opened(s.store, "a", "b", "c1");
  s.trackers.commit("a@p", "c1", o.before, o.state, o.effects);
  const sub = opened(s.store, "a", "b", "c2", {
    performative: "subscribe",
    protocol: "fipa-subscribe",
  });
  s.trackers.commit("a@p", "c2", sub.before, sub.state, sub.effects);
  s.trackers.sweep(T0 + 59_000);
  assert.equal(s.notices.length, 0);
  s.trackers.sweep(T0 + 61_000);
  assert.deepEqual(s.notices.map((n) => [n.to, n.conversation_id, n.reason]), [
    ["a@p", "c1", "idle"],
  ]);
  assert.ok(
    s.store.get("a@p", "c2")!.active.get("initiator|c2"),
    "a subscription does not go idle",
  );
});

Deno.test("trackers: trackers no longer wanted go first, then the oldest beyond the bound", () => {
  const s = setup({ maxTrackers: 2 });
  for (const a of ["a", "b", "c"]) {
    const o = opened(s.store, a, "z", "c1");
    s.links.link(`${a}@p`, "sub", "c1");
    s.trackers.commit(`${a}@p`, "c1", o.before, o.state, []);
  }
  assert.deepEqual(s.store.agents(), ["b@p", "c@p"], "the oldest went at the bound");
  assert.equal(s.links.parentOf("a@p", "sub"), undefined, "with its links");
  s.gone.add("c@p");
  s.trackers.collect();
  assert.deepEqual(s.store.agents(), ["b@p"]);
});

Deno.test("trackers: a snapshot's state replaces the tracker with its due times; bad ones are refused", () => {
  const s = setup();
  const replyBy = new Date(T0 + 5000).toISOString();
  const o = opened(s.store, "a", "b", "c1", { reply_by: replyBy });
  const json = JSON.parse(JSON.stringify(trackerStateToJson(o.state)));
  s.trackers.replace("a@p", parseTrackerState("a@p", json, canon));
  assert.equal(s.due.get("a@p", "c1"), T0 + 5000);
  assert.equal(s.store.merged("a@p")?.active["initiator|c1"]?.conversation_id, "c1");
  assert.throws(() => parseTrackerState("a@p", { v: 1 }, canon), ApiError);
  assert.throws(
    () => parseTrackerState("b@p", json, canon),
    (e) =>
      e instanceof ApiError && e.code === "INVALID_REQUEST" && /belongs to 'a@p'/.test(e.message),
  );
  assert.throws(
    () => parseTrackerState("a@p", { ...json, limits: "x" }, canon),
    (e) => e instanceof ApiError && e.code === "INVALID_REQUEST" && /limits/.test(e.message),
  );
});

Deno.test("trackers: restored shards come back with their due times, except another agent's", () => {
  const s = setup();
  const replyBy = new Date(T0 + 5000).toISOString();
  const o = opened(new TrackerStore(DEFAULT_TRACKER_LIMITS), "a", "b", "c1", { reply_by: replyBy });
  s.trackers.restore([
    { agent: "a@p", cid: "c1", state: o.state },
    { agent: "x@p", cid: "c1", state: o.state },
  ]);
  assert.deepEqual(s.store.agents(), ["a@p"]);
  assert.equal(s.due.get("a@p", "c1"), T0 + 5000);
  assert.deepEqual(s.events, [], "a restore publishes nothing");
});
