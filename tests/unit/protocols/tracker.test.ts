import {
  createTracker,
  trackDeadline,
  type TrackedMessage,
  type TrackerState,
  trackerStateFromJson,
  TrackerStateSchema,
  trackerStateToJson,
  trackMessage,
  type TrackResult,
  trackTimeout,
} from "../../../protocols/mod.ts";
import type { Performative } from "../../../runtime/acl/mod.ts";
import { viewConversation, viewConversations } from "../../../runtime/conversations/mod.ts";
import { assert } from "./helpers.ts";

const ME = "me@n";

function msg(
  performative: Performative,
  from: string,
  to: string | string[],
  cid = "c1",
  extra: Partial<TrackedMessage> = {},
): TrackedMessage {
  return {
    performative,
    from,
    to: typeof to === "string" ? [to] : to,
    conversation_id: cid,
    ...extra,
  };
}

function ok(r: TrackResult): TrackerState {
  if (!r.ok) assert.fail(`refused: ${r.violation.reason}`);
  return r.state;
}

Deno.test("tracker: starts on the first message naming a protocol, checks, completes", () => {
  let t = createTracker(ME);
  const first = trackMessage(
    t,
    "sent",
    msg("request", ME, "b@n", "c1", {
      protocol: "FIPA-Request",
      timestamp: "2030-01-01T00:00:00Z",
    }),
  );
  assert.ok(first.ok && first.tracked);
  assert.deepEqual(first.effects, [{
    type: "conversation-started",
    conversation_id: "c1",
    role: "initiator",
    protocol: "fipa-request",
  }]);
  t = ok(first);
  assert.equal(viewConversation(t, "c1")?.state, "requested");
  t = ok(trackMessage(t, "received", msg("agree", "b@n", ME)));
  const done = trackMessage(t, "received", msg("inform", "b@n", ME));
  assert.ok(done.effects.some((e) => e.type === "conversation-ended" && e.by === "completed"));
  t = ok(done);
  assert.equal(t.active.size, 0);
  const v = viewConversation(t, "c1");
  assert.ok(v);
  assert.equal(v.protocol, "fipa-request");
  assert.equal(v.state, "done");
  assert.equal(v.finished, true);
  assert.equal(v.ended_by, "completed");
  assert.equal(v.initiator, ME);
  assert.deepEqual(v.participants.map((p) => p.name), ["b@n"]);
  assert.deepEqual(v.trail.map((e) => `${e.direction}:${e.performative}`), [
    "sent:request",
    "received:agree",
    "received:inform",
  ]);
  assert.equal(v.started_at, "2030-01-01T00:00:00Z");
});

Deno.test("tracker: messages without protocol or conversation id are not tracked", () => {
  const t = createTracker(ME);
  const a = trackMessage(t, "sent", msg("inform", ME, "b@n"));
  assert.ok(a.ok && !a.tracked);
  const b = trackMessage(t, "sent", { performative: "request", from: ME, to: ["b@n"] });
  assert.ok(b.ok && !b.tracked);
  const c = trackMessage(t, "sent", msg("request", ME, "b@n", "c1", { protocol: "my-own" }));
  assert.ok(c.ok && !c.tracked);
  assert.equal(a.state, t);
});

Deno.test("tracker: a violation ends the conversation; a legal retry revives it", () => {
  let t = ok(
    trackMessage(t0(), "received", msg("cfp", "m@n", ME, "c1", { protocol: "fipa-contract-net" })),
  );
  const bad = trackMessage(t, "sent", msg("agree", ME, "m@n"));
  assert.ok(!bad.ok);
  assert.equal(bad.violation.protocol, "fipa-contract-net");
  assert.deepEqual(bad.violation.expected, ["propose", "refuse", "not-understood"]);
  t = bad.state;
  const v = viewConversation(t, "c1");
  assert.equal(v?.ended_by, "violation");
  assert.equal(v?.violation?.got, "agree");
  // The refused message was not applied: the conversation can go on.
  t = ok(trackMessage(t, "sent", msg("propose", ME, "m@n")));
  assert.equal(viewConversation(t, "c1")?.state, "proposed");
  assert.equal(viewConversation(t, "c1")?.ended_by, null);
});

function t0(): TrackerState {
  return createTracker(ME);
}

Deno.test("tracker: a violating opening is recorded; a finished id can be reused", () => {
  const bad = trackMessage(
    t0(),
    "sent",
    msg("inform", ME, "b@n", "c9", { protocol: "fipa-query" }),
  );
  assert.ok(!bad.ok);
  assert.equal(viewConversation(bad.state, "c9")?.ended_by, "violation");
  let t = ok(
    trackMessage(t0(), "sent", msg("propose", ME, "b@n", "c2", { protocol: "fipa-propose" })),
  );
  t = ok(trackMessage(t, "received", msg("accept-proposal", "b@n", ME, "c2")));
  assert.equal(viewConversation(t, "c2")?.finished, true);
  // A late second answer is a violation of the finished conversation...
  const late = trackMessage(t, "received", msg("reject-proposal", "b@n", ME, "c2"));
  assert.ok(!late.ok);
  assert.equal(late.violation.state, "accepted");
  // ...but a new opening with the same id starts a new conversation.
  t = ok(trackMessage(t, "sent", msg("propose", ME, "x@n", "c2", { protocol: "fipa-propose" })));
  assert.equal(viewConversation(t, "c2")?.state, "proposed");
  assert.equal(viewConversations(t, "c2").length, 2);
});

Deno.test("tracker: deadlines expire conversations and tell the initiator", () => {
  let t = ok(trackMessage(
    t0(),
    "sent",
    msg("cfp", ME, ["a@n", "b@n"], "c1", {
      protocol: "fipa-contract-net",
      reply_by: "2030-01-01T00:00:10Z",
    }),
  ));
  t = ok(trackMessage(t, "received", msg("refuse", "a@n", ME)));
  const early = trackDeadline(t, "2030-01-01T00:00:09Z");
  assert.equal(early.state, t, "nothing due: same state");
  const r = trackDeadline(t, "2030-01-01T00:00:10Z");
  assert.deepEqual(r.effects[0], {
    type: "notify-initiator",
    conversation_id: "c1",
    protocol: "fipa-contract-net",
    initiator: ME,
    self: true,
    parties: ["b@n"],
    reason: "deadline",
  });
  assert.equal(viewConversation(r.state, "c1")?.ended_by, "expired");
});

Deno.test("tracker: idle conversations expire; the shell may time one out", () => {
  const limits = { idleMs: 60_000 };
  let t = ok(trackMessage(
    createTracker(ME, limits),
    "received",
    msg("subscribe", "s@n", ME, "c1", {
      protocol: "fipa-subscribe",
      timestamp: "2030-01-01T00:00:00Z",
    }),
  ));
  t = ok(
    trackMessage(t, "sent", msg("agree", ME, "s@n", "c1", { timestamp: "2030-01-01T00:00:30Z" })),
  );
  assert.equal(trackDeadline(t, "2030-01-01T00:01:29Z").effects.length, 0);
  const idle = trackDeadline(t, "2030-01-01T00:01:30Z");
  assert.equal(idle.effects[0].type, "notify-initiator");
  assert.equal(idle.effects[0].type === "notify-initiator" && idle.effects[0].reason, "idle");
  assert.equal(idle.effects[0].type === "notify-initiator" && idle.effects[0].self, false);
  const u = ok(
    trackMessage(t0(), "sent", msg("query-if", ME, "q@n", "c5", { protocol: "fipa-query" })),
  );
  const to = trackTimeout(u, "c5");
  assert.equal(viewConversation(to.state, "c5")?.state, "timed-out");
  assert.ok(to.effects.some((e) => e.type === "notify-initiator" && e.reason === "timeout"));
});

Deno.test("tracker: the same id in two roles is two conversations", () => {
  let t = ok(
    trackMessage(t0(), "received", msg("request", "x@n", ME, "c1", { protocol: "fipa-request" })),
  );
  t = ok(trackMessage(t, "sent", msg("query-ref", ME, "y@n", "c1", { protocol: "fipa-query" })));
  // Not a fipa-request move: a new conversation this agent opens under the same id.
  const views = viewConversations(t, "c1");
  assert.deepEqual(
    views.map((v) => `${v.role}:${v.protocol}`).sort(),
    [
      "initiator:fipa-query",
      "participant:fipa-request",
    ].sort(),
  );
  t = ok(trackMessage(t, "received", msg("inform", "y@n", ME, "c1")));
  t = ok(trackMessage(t, "sent", msg("inform", ME, "x@n", "c1")));
  assert.ok(viewConversations(t, "c1").every((v) => v.finished));
});

Deno.test("tracker: memory is bounded (active LRU eviction, finished LRU, trail)", () => {
  let t = createTracker(ME, { maxActive: 3, maxFinished: 2, maxTrail: 3 });
  for (let i = 0; i < 5; i++) {
    t = ok(
      trackMessage(t, "sent", msg("subscribe", ME, "s@n", `s${i}`, { protocol: "fipa-subscribe" })),
    );
  }
  assert.equal(t.active.size, 3);
  assert.deepEqual(t.finished.map((c) => [c.conversation_id, c.ended?.by]), [
    ["s0", "evicted"],
    ["s1", "evicted"],
  ]);
  t = ok(
    trackMessage(t, "sent", msg("subscribe", ME, "s@n", "s5", { protocol: "fipa-subscribe" })),
  );
  assert.equal(t.finished.length, 2);
  assert.equal(viewConversation(t, "s0"), undefined, "the oldest ended one was dropped");
  for (let i = 0; i < 5; i++) t = ok(trackMessage(t, "received", msg("inform", "s@n", ME, "s5")));
  const v = viewConversation(t, "s5");
  assert.equal(v?.trail.length, 3);
  assert.equal(v?.trail_dropped, 3);
});

Deno.test("tracker: a trail of at most 0 messages keeps none and counts them all", () => {
  let t = createTracker(ME, { maxTrail: 0 });
  t = ok(
    trackMessage(t, "sent", msg("subscribe", ME, "s@n", "s0", { protocol: "fipa-subscribe" })),
  );
  t = ok(trackMessage(t, "received", msg("inform", "s@n", ME, "s0")));
  const v = viewConversation(t, "s0");
  assert.deepEqual(v?.trail, []);
  assert.equal(v?.trail_dropped, 2);
});

Deno.test("tracker: pure and serializable", () => {
  let t = ok(
    trackMessage(
      t0(),
      "sent",
      msg("cfp", ME, ["a@n", "b@n"], "c1", { protocol: "fipa-contract-net" }),
    ),
  );
  t = ok(trackMessage(t, "received", msg("propose", "a@n", ME)));
  const before = JSON.stringify(trackerStateToJson(t));
  const r = trackMessage(t, "received", msg("propose", "b@n", ME));
  assert.equal(JSON.stringify(trackerStateToJson(t)), before, "the input state is not modified");
  const after = ok(r);
  const copy = JSON.parse(JSON.stringify(trackerStateToJson(after)));
  assert.deepEqual(copy, trackerStateToJson(after));
  const restored = trackerStateFromJson(TrackerStateSchema.parse(copy));
  assert.deepEqual(restored, after);
  // The restored state works as the original.
  const next = ok(trackMessage(restored, "sent", msg("accept-proposal", ME, "a@n")));
  assert.equal(viewConversation(next, "c1")?.participants[0].state, "accepted");
});

/**
 * Freezes a value and everything it holds, Maps' entries included (a step that changes it
 * in place throws).
 */
function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null && !Object.isFrozen(v)) {
    if (v instanceof Map) {
      const frozen = () => {
        throw new TypeError("a frozen Map was changed");
      };
      Object.assign(v, { set: frozen, delete: frozen, clear: frozen });
      for (const x of v.values()) deepFreeze(x);
    }
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

Deno.test("tracker: steps never change the state they are given, its finished list included", () => {
  const request = (cid: string) =>
    msg("request", ME, "b@n", cid, { protocol: "fipa-request", timestamp: "2030-01-01T00:00:00Z" });
  const limits = { maxActive: 1, maxFinished: 2, idleMs: 1000 };
  let t = createTracker(ME, limits);
  // Two ended conversations, so finishing another pushes one out of the finished list.
  for (const cid of ["f1", "f2"]) {
    t = ok(trackMessage(deepFreeze(t), "sent", request(cid)));
    t = ok(trackMessage(deepFreeze(t), "received", msg("inform", "b@n", ME, cid)));
  }
  assert.equal(t.finished.length, 2);
  // Completion, a late message to an ended conversation, a violation, an eviction.
  t = ok(trackMessage(deepFreeze(t), "sent", request("c1")));
  t = ok(trackMessage(deepFreeze(t), "received", msg("inform", "b@n", ME, "c1")));
  t = ok(trackMessage(deepFreeze(t), "sent", request("c2")));
  const bad = trackMessage(deepFreeze(t), "sent", msg("inform", ME, "b@n", "c2"));
  assert.ok(!bad.ok);
  t = ok(trackMessage(deepFreeze(bad.state), "sent", request("c3")));
  t = ok(trackMessage(deepFreeze(t), "sent", request("c4")));
  assert.deepEqual(t.finished.map((c) => [c.conversation_id, c.ended?.by]), [
    ["c2", "violation"],
    ["c3", "evicted"],
  ]);
  // The clock's steps: a timeout and idle expiry.
  t = trackTimeout(deepFreeze(t), "c4").state;
  t = ok(trackMessage(deepFreeze(t), "sent", request("c5")));
  const idle = trackDeadline(deepFreeze(t), "2030-01-01T01:00:00Z");
  assert.ok(idle.state !== t);
  assert.deepEqual([...idle.state.active.keys()], []);
});
