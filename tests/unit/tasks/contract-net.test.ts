import assert from "node:assert/strict";
import { type AclMessage, aid, type JsonValue } from "../../../runtime/acl/mod.ts";
import {
  type Bid,
  biddingClosed,
  bidFacts,
  chooseBest,
  cnetAward,
  cnetCounts,
  cnetGiveUp,
  cnetReceive,
  cnetStart,
  cnetTimedOut,
  cnetUnreachable,
} from "../../../runtime/tasks/mod.ts";

const AT = "2030-01-01T00:00:00.000Z";

function open(strategy: "best_bid" | "first_bid" | "fastest" = "best_bid") {
  return cnetStart({
    task_id: "t1",
    conversation_id: "conv_t1",
    initiator: "_t1@n",
    participants: ["a@n", "b@n", "c@n"],
    content: { job: "x" },
    strategy,
    reply_by: "2030-01-01T00:00:30.000Z",
  });
}

function answer(performative: AclMessage["performative"], from: string, content?: JsonValue) {
  return {
    performative,
    sender: aid(from),
    receivers: [aid("_t1@n")],
    conversation_id: "conv_t1",
    reply_with: `rw-${from}`,
    ...(content === undefined ? {} : { content }),
  } satisfies AclMessage;
}

Deno.test("a cfp goes to each participant with the bidding deadline", () => {
  const { state, out } = open();
  assert.equal(out.length, 3);
  for (const [i, m] of out.entries()) {
    assert.equal(m.performative, "cfp");
    assert.equal(m.protocol, "fipa-contract-net");
    assert.equal(m.conversation_id, "conv_t1");
    assert.equal(m.reply_by, "2030-01-01T00:00:30.000Z");
    assert.deepEqual(m.receivers.map((r) => r.name), [["a@n", "b@n", "c@n"][i]]);
    assert.equal(m.sender?.name, "_t1@n");
  }
  assert.equal(biddingClosed(state), false);
});

Deno.test("the cheapest proposal wins; the others are rejected; the winner's inform completes", () => {
  let st = open().state;
  st = cnetReceive(st, "a@n", answer("propose", "a@n", { price: 30 }), AT).state;
  st = cnetReceive(st, "b@n", answer("propose", "b@n", { cost: 20, confidence: 0.5 }), AT).state;
  st = cnetReceive(st, "c@n", answer("refuse", "c@n", { reason: "busy" }), AT).state;
  assert.equal(biddingClosed(st), true);
  const award = cnetAward(st);
  assert.equal(award.state.phase, "awarded");
  assert.equal(award.state.winner, "b@n");
  assert.deepEqual(
    award.out.map((m) => [m.performative, m.receivers[0].name, m.in_reply_to]),
    [["accept-proposal", "b@n", "rw-b@n"], ["reject-proposal", "a@n", "rw-a@n"]],
  );
  assert.deepEqual(cnetCounts(award.state), {
    proposals: 2,
    refusals: 1,
    no_response: 0,
    unreachable: 0,
  });
  assert.equal(award.state.participants["c@n"].reason, "busy");
  // Only the winner's answer counts.
  const stray = cnetReceive(award.state, "a@n", answer("inform", "a@n", "x"), AT);
  assert.equal(stray.state, award.state);
  const done = cnetReceive(award.state, "b@n", answer("inform", "b@n", { out: 1 }), AT).state;
  assert.equal(done.phase, "completed");
  assert.deepEqual(done.result, { out: 1 });
});

Deno.test("silent and unreachable participants drop out; a late proposal is rejected", () => {
  let st = open().state;
  st = cnetUnreachable(st, "c@n", "gone");
  st = cnetReceive(st, "a@n", answer("propose", "a@n", 10), AT).state;
  assert.equal(biddingClosed(st), false);
  const award = cnetAward(st);
  assert.equal(award.state.participants["b@n"].state, "called");
  assert.equal(award.state.participants["c@n"].state, "unreachable");
  assert.equal(award.state.winner, "a@n");
  assert.deepEqual(cnetCounts(award.state).no_response, 1);
  const late = cnetReceive(award.state, "b@n", answer("propose", "b@n", 1), AT);
  assert.deepEqual(late.out.map((m) => [m.performative, m.receivers[0].name]), [
    ["reject-proposal", "b@n"],
  ]);
  assert.equal(late.state.participants["b@n"].state, "rejected");
  assert.equal(late.state.winner, "a@n");
  // The runtime's deadline notice times out who is still silent.
  const timed = cnetTimedOut(award.state, ["b@n"]);
  assert.equal(timed.participants["b@n"].state, "timed-out");
  assert.equal(timed.phase, "awarded");
});

Deno.test("no proposal fails the contract net; a silent winner fails it too", () => {
  let st = open().state;
  for (const p of ["a@n", "b@n", "c@n"]) st = cnetReceive(st, p, answer("refuse", p), AT).state;
  const none = cnetAward(st);
  assert.equal(none.state.phase, "failed");
  assert.equal(none.state.failure, "no proposals");
  assert.equal(none.out.length, 0);

  let st2 = open().state;
  st2 = cnetReceive(st2, "a@n", answer("propose", "a@n", 1), AT).state;
  const awarded = cnetAward(st2).state;
  const timed = cnetTimedOut(awarded, ["a@n", "b@n"]);
  assert.equal(timed.phase, "failed");
  assert.match(timed.failure!, /no result in time/);
  assert.equal(cnetGiveUp(timed, "x"), timed);
  const failure = cnetReceive(awarded, "a@n", answer("failure", "a@n", { reason: "disk" }), AT);
  assert.equal(failure.state.phase, "failed");
  assert.match(failure.state.failure!, /disk/);
});

Deno.test("strategies order bids by cost, arrival or time", () => {
  const bid = (agent: string, seq: number, content: JsonValue): Bid => ({
    agent,
    content,
    ...bidFacts(content),
    seq,
    at: AT,
  });
  const bids = [
    bid("a", 1, { price: 30, estimated_time: 5 }),
    bid("b", 2, { price: 20, estimated_time: 50, confidence: 0.5 }),
    bid("c", 3, { price: 20, estimated_time: 40, confidence: 0.9 }),
    bid("d", 4, "no numbers"),
  ];
  assert.equal(chooseBest(bids, "best_bid")?.agent, "c");
  assert.equal(chooseBest(bids, "first_bid")?.agent, "a");
  assert.equal(chooseBest(bids, "fastest")?.agent, "a");
  assert.equal(chooseBest([bids[3]], "best_bid")?.agent, "d");
  assert.equal(chooseBest([bids[3], bid("e", 5, "also none")], "best_bid")?.agent, "d");
  assert.equal(chooseBest([], "best_bid"), undefined);
  assert.deepEqual(bidFacts("12.5"), { cost: 12.5, time: null, confidence: null });
});

Deno.test("the participants still called are counted as they answer; an older state without the count is counted whole", () => {
  let st = open().state;
  assert.equal(st.called, 3);
  st = cnetUnreachable(st, "c@n", "gone");
  assert.equal(st.called, 2);
  st = cnetReceive(st, "a@n", answer("propose", "a@n", 10), AT).state;
  st = cnetReceive(st, "a@n", answer("propose", "a@n", 9), AT).state;
  assert.equal(st.called, 1, "a second answer of the same bidder counts once");
  assert.equal(biddingClosed(st), false);
  const { called: _, ...older } = st;
  assert.equal(biddingClosed(older), false);
  const timed = cnetTimedOut(older, ["b@n", "b@n"]);
  assert.equal(timed.called, 0);
  assert.equal(biddingClosed(timed), true);
  const answered = cnetReceive(older, "b@n", answer("refuse", "b@n"), AT).state;
  assert.equal(answered.called, 0);
  assert.equal(biddingClosed(answered), true);
  // Awarding and its outcome never touch the count (no one is called again).
  const award = cnetAward(answered);
  assert.equal(award.state.called, 0);
});
