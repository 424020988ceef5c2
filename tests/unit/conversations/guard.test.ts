// The guard's pure decision: which trackers a message steps and whether it passes; it reads
// the trackers and never changes them.
import assert from "node:assert/strict";
import { aid } from "../../../runtime/acl/mod.ts";
import { DEFAULT_TRACKER_LIMITS } from "../../../protocols/mod.ts";
import { canonicalNames, TrackerStore } from "../../../runtime/conversations/mod.ts";
import { decide, type GuardView, opens } from "../../../runtime/conversations/guard.ts";
import { SubConversationLinks } from "../../../runtime/conversations/links.ts";
import { ReplyToDesignations } from "../../../runtime/conversations/reply-to.ts";
import { type Delivery, MessageRouter } from "../../../runtime/routing/mod.ts";
import { msg } from "./helpers.ts";

const REQ = { protocol: "fipa-request" } as const;

function view(tracked: string[] = ["a", "b", "c"]) {
  const router = new MessageRouter("p");
  const trackers = new TrackerStore(DEFAULT_TRACKER_LIMITS);
  const v: GuardView = {
    trackers,
    links: new SubConversationLinks(),
    replyTo: new ReplyToDesignations(),
    canon: canonicalNames((n) => router.localName(n), "p"),
    localName: (id) => router.localName(id),
    platform: "p",
    isTracked: (n) => tracked.includes(n),
  };
  return { v, trackers };
}

let ids = 0;
function delivery(m: Delivery["message"], origin: Delivery["origin"] = "agent"): Delivery {
  return { message_id: `m${++ids}`, message: m, accepted_at: "2030-01-01T00:00:00.000Z", origin };
}

/** The local receivers the router would resolve. */
function local(m: Delivery["message"]) {
  return m.receivers.filter((r) => r.name.endsWith("@p"));
}

/** Applies a passed decision's steps, as the service does. */
function apply(trackers: TrackerStore, r: ReturnType<typeof decide>): void {
  assert.ok(r.ok);
  for (const s of r.steps) if (s.store) trackers.put(s.agent, s.shard, s.state);
}

Deno.test("guard: a message without a conversation id passes and steps nothing", () => {
  const { v } = view();
  const m = msg("inform", "a", "b", { conversation_id: undefined });
  assert.deepEqual(decide(v, delivery(m), local(m)), { ok: true, steps: [], designate: [] });
});

Deno.test("guard: an opening steps the sender's and the receiver's tracker, without storing them", () => {
  const { v, trackers } = view();
  const m = msg("request", "a", "b", REQ);
  const r = decide(v, delivery(m), local(m));
  assert.ok(r.ok);
  assert.deepEqual(r.steps.map((s) => [s.agent, s.shard, s.store]), [
    ["a@p", "c1", true],
    ["b@p", "c1", true],
  ]);
  assert.equal(trackers.size, 0, "the decision changes nothing");
  assert.ok(r.steps[0].effects.some((e) => e.type === "conversation-started"));
});

Deno.test("guard: HTTP senders are stepped only as receivers see them", () => {
  const { v } = view();
  const m = msg("request", "a", "b", REQ);
  const r = decide(v, delivery(m, "http"), local(m));
  assert.ok(r.ok);
  assert.deepEqual(r.steps.map((s) => s.agent), ["b@p"]);
});

Deno.test("guard: a sender's own violation is refused with the step that ends its conversation", () => {
  const { v, trackers } = view();
  const open = msg("request", "a", "b", REQ);
  apply(trackers, decide(v, delivery(open), local(open)));
  // a is the initiator: it may not answer its own request.
  const bad = msg("inform", "a", "b");
  const r = decide(v, delivery(bad), local(bad));
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.agent, "a@p");
  assert.equal(r.step?.agent, "a@p");
  assert.equal(r.step?.store, true);
  assert.ok(r.step!.effects.some((e) => e.type === "conversation-ended"));
});

Deno.test("guard: a receiver's violation is refused without a step; its view stays as it was", () => {
  const { v } = view();
  // A contract net opens with cfp, not accept-proposal.
  const m = msg("accept-proposal", "client", "b", { protocol: "fipa-contract-net" });
  const r = decide(v, delivery(m, "http"), local(m));
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.agent, "b@p");
  assert.equal(r.step, undefined);
  assert.deepEqual(r.violation.expected, ["cfp"]);
});

Deno.test("guard: continuations of conversations never seen open pass unchecked and store nothing", () => {
  const { v } = view();
  const cont = msg("inform", "a", "x@elsewhere", REQ);
  const sent = decide(v, delivery(cont), local(cont));
  assert.ok(sent.ok);
  assert.deepEqual(sent.steps.map((s) => [s.agent, s.store]), [["a@p", false]]);
  const answer = msg("inform", "x@elsewhere", "b", { ...REQ, in_reply_to: "r1" });
  const got = decide(v, delivery(answer, "peer"), local(answer));
  assert.deepEqual(got, { ok: true, steps: [], designate: [] });
  // An act that opens the protocol it names is always checked.
  assert.equal(opens({ protocol: "fipa-request", performative: "request" }), true);
  assert.equal(opens({ protocol: "fipa-request", performative: "inform" }), false);
  assert.equal(opens({ performative: "request" }), false);
});

Deno.test("guard: a tracked receiver of an opening that names reply_to agents is designated", () => {
  const { v } = view();
  const m = msg("proxy", "a", "b", {
    protocol: "fipa-recruiting",
    reply_to: [aid("c@p")],
    content: "(x)",
  });
  const r = decide(v, delivery(m), local(m));
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.designate.map((x) => [x.agent, x.seen.from, x.seen.reply_to]), [
    ["b@p", "a@p", ["c@p"]],
  ]);
  const untracked = view(["a"]);
  const r2 = decide(untracked.v, delivery(m), local(m));
  assert.ok(r2.ok);
  assert.deepEqual(r2.designate, []);
});

Deno.test("guard: a plain request and its reply (no protocol, no conversation known) pass and store nothing", () => {
  const { v, trackers } = view();
  for (
    const m of [
      msg("request", "a", "b", { conversation_id: "plain" }),
      msg("inform", "b", "a", { conversation_id: "plain", in_reply_to: "r1" }),
      msg("query-if", "a", "b", { conversation_id: "plain", protocol: "no-such-protocol" }),
    ]
  ) {
    const r = decide(v, delivery(m), local(m));
    assert.ok(r.ok);
    assert.deepEqual(
      r.steps.map((s) => [s.agent, s.shard, s.store]).sort(),
      [["a@p", "plain", false], ["b@p", "plain", false]],
    );
    for (const s of r.steps) assert.deepEqual(s.state, trackers.fresh(s.agent));
    apply(trackers, r);
  }
  assert.equal(trackers.size, 0);
});
