// The guard's pure decision: which trackers a message steps and whether it passes; it reads
// the trackers and never changes them.
import assert from "node:assert/strict";
import { aid } from "../../../runtime/acl/mod.ts";
import { DEFAULT_TRACKER_LIMITS } from "../../../protocols/mod.ts";
import { canonicalNames, TrackerStore } from "../../../runtime/conversations/mod.ts";
import { decide, type GuardView, opens, untouched } from "../../../runtime/conversations/guard.ts";
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

/** Asserts that a decision passes the message and asks for nothing to be stored. */
function assertNothingToDo(r: ReturnType<typeof decide>): void {
  assert.ok(r.ok);
  assert.deepEqual(r.designate, []);
  for (const s of r.steps) {
    assert.equal(s.store, false, `${s.agent}: a step to store`);
    assert.equal(s.link, undefined);
  }
}

Deno.test("guard: untouched answers for messages without a protocol in conversations no tracker holds, as decide does", () => {
  const { v, trackers } = view();
  const cases = [
    msg("inform", "a", "b", { conversation_id: undefined }),
    msg("request", "a", "b", { conversation_id: "plain" }),
    msg("inform", "b", "a", { conversation_id: "plain", in_reply_to: "r1" }),
    msg("inform", "x@elsewhere", "b", { conversation_id: "plain" }),
  ];
  for (const m of cases) {
    for (const origin of ["agent", "http", "peer"] as const) {
      assert.equal(untouched(v, delivery(m, origin), local(m)), true);
      assertNothingToDo(decide(v, delivery(m, origin), local(m)));
    }
  }
  // A protocol named: always decided.
  const named = msg("request", "a", "b", { ...REQ, conversation_id: "n" });
  assert.equal(untouched(v, delivery(named), local(named)), false);
  assert.equal(trackers.size, 0);
});

Deno.test("guard: a message without a protocol in a conversation a tracker holds is not untouched", () => {
  const { v, trackers } = view(["a", "b"]);
  const open = msg("request", "a", "b", REQ);
  apply(trackers, decide(v, delivery(open), local(open)));
  // b's answer without a protocol is checked by b's (sender) and a's (receiver) trackers.
  const answer = msg("inform", "b", "a", { in_reply_to: "r1" });
  assert.equal(untouched(v, delivery(answer), local(answer)), false);
  const r = decide(v, delivery(answer), local(answer));
  assert.ok(r.ok);
  assert.ok(r.steps.some((s) => s.store));
  // As the receiver only (sent by an HTTP client): a's tracker still holds c1.
  const viaHttp = msg("inform", "client", "a", { in_reply_to: "r1" });
  assert.equal(untouched(v, delivery(viaHttp, "http"), local(viaHttp)), false);
  // Another conversation, and an agent whose tracker is not checked: untouched.
  const other = msg("inform", "b", "a", { conversation_id: "c2" });
  assert.equal(untouched(v, delivery(other), local(other)), true);
  const { v: onlyC } = view(["c"]);
  assert.equal(untouched({ ...onlyC, trackers }, delivery(answer), local(answer)), true);
});

Deno.test("guard: an agent with a brokering conversation under way may take any conversation as a sub", () => {
  const { v, trackers } = view(["i", "br", "t"]);
  const B = { protocol: "fipa-brokering", conversation_id: "C" };
  for (const m of [msg("proxy", "i", "br", B), msg("agree", "br", "i", B)]) {
    apply(trackers, decide(v, delivery(m), local(m)));
  }
  assert.equal(trackers.hasProxies("br@p"), true);
  // The broker forwards under a new id without naming a protocol: its tracker decides.
  const fwd = msg("request", "br", "t", { conversation_id: "C-sub" });
  assert.equal(untouched(v, delivery(fwd), local(fwd)), false);
  const unrelated = msg("request", "t", "x@elsewhere", { conversation_id: "other" });
  assert.equal(untouched(v, delivery(unrelated), local(unrelated)), true);
});
