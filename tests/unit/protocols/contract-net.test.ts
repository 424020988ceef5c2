import { expected, isFinished, start, step } from "../../../protocols/mod.ts";
import { assert, at, m, obs, recv, refused, run, sent, thread } from "./helpers.ts";

const DEADLINE = "2030-01-01T12:00:00Z";

Deno.test("fipa-contract-net: cfp to four, proposals, refusals, a silent one, award", () => {
  let { state, effects } = run(start("fipa-contract-net", "initiator"), [
    sent(m("cfp", "m", ["p1", "p2", "p3", "p4"], { reply_by: DEADLINE })),
    recv(m("propose", "p1", "m")),
    recv(m("propose", "p2", "m")),
    recv(m("refuse", "p3", "m")),
    at(DEADLINE),
  ]);
  assert.equal(thread(state, "p3"), "refused");
  assert.equal(thread(state, "p4"), "timed-out");
  assert.ok(effects.some((e) => e.type === "timed-out" && e.party === "p4"));
  state = run(state, [
    sent(m("accept-proposal", "m", "p1")),
    sent(m("reject-proposal", "m", "p2")),
    recv(m("inform", "p1", "m")),
  ]).state;
  assert.equal(thread(state, "p1"), "done");
  assert.equal(thread(state, "p2"), "rejected");
  assert.ok(isFinished(state));
});

Deno.test("fipa-contract-net: separate cfp messages add participants until evaluation", () => {
  const s = run(start("fipa-contract-net", "initiator"), [
    sent(m("cfp", "m", "p1")),
    sent(m("cfp", "m", "p2")),
    recv(m("propose", "p1", "m")),
    recv(m("propose", "p2", "m")),
    sent(m("accept-proposal", "m", "p1")),
  ]).state;
  assert.equal(s.threads.length, 2);
  // Once evaluation has begun nobody new can be called.
  assert.match(refused(s, sent(m("cfp", "m", "p3"))).reason, /not a participant/);
  // The non-iterated protocol has no second round.
  assert.ok(!refused(s, sent(m("cfp", "m", "p2"))).expected.includes("cfp"));
});

Deno.test("fipa-contract-net: participant side, accepted then failure", () => {
  const { state } = run(start("fipa-contract-net", "participant", { self: "p2" }), [
    recv(m("cfp", "m", ["p1", "p2"])),
    sent(m("propose", "p2", "m")),
    recv(m("accept-proposal", "m", "p2")),
    sent(m("failure", "p2", "m")),
  ]);
  assert.equal(thread(state, "p2"), "failed");
  assert.ok(isFinished(state), "p1's thread does not concern p2");
});

Deno.test("fipa-contract-net: a participant with several receivers must say who it is", () => {
  const s = run(start("fipa-contract-net", "participant"), [recv(m("cfp", "m", ["p1", "p2"]))])
    .state;
  assert.equal(s.self, null);
  // Its first sent message tells.
  const after = run(s, [sent(m("refuse", "p2", "m"))]).state;
  assert.equal(after.self, "p2");
  assert.ok(isFinished(after));
});

Deno.test("fipa-contract-net: violations", () => {
  const s = run(start("fipa-contract-net", "observer"), [
    obs(m("cfp", "m", ["p1", "p2"])),
    obs(m("propose", "p1", "m")),
  ]).state;
  // Accepting a participant that has not proposed.
  const v = refused(s, obs(m("accept-proposal", "m", "p2")));
  assert.equal(v.state, "called");
  assert.equal(v.party, "p2");
  assert.deepEqual(v.expected, ["cancel", "not-understood"]);
  // Proposing twice; the participant answering the wrong way.
  assert.equal(refused(s, obs(m("propose", "p1", "m"))).state, "proposed");
  assert.deepEqual(refused(s, obs(m("agree", "p2", "m"))).expected, [
    "propose",
    "refuse",
    "not-understood",
  ]);
  // An accepted contractor reports; the initiator may not.
  const acc = run(s, [obs(m("accept-proposal", "m", "p1"))]).state;
  assert.equal(refused(acc, obs(m("inform", "m", "p1"))).state, "accepted");
  assert.deepEqual(expected(acc).find((e) => e.from === "p1")?.performatives, [
    "failure",
    "inform",
    "not-understood",
  ]);
});

Deno.test("fipa-contract-net: cancel, not-understood, late proposal after the deadline", () => {
  const s = run(start("fipa-contract-net", "initiator"), [
    sent(m("cfp", "m", ["p1", "p2", "p3"], { reply_by: DEADLINE })),
    recv(m("not-understood", "p1", "m")),
    recv(m("propose", "p2", "m")),
    sent(m("accept-proposal", "m", "p2")),
    sent(m("cancel", "m", "p2")),
    recv(m("inform", "p2", "m")),
    at(DEADLINE),
  ]).state;
  assert.equal(thread(s, "p1"), "not-understood");
  assert.equal(thread(s, "p2"), "cancelled");
  assert.equal(thread(s, "p3"), "timed-out");
  assert.ok(isFinished(s));
  assert.equal(refused(s, recv(m("propose", "p3", "m"))).state, "timed-out");
});

Deno.test("fipa-contract-net: a step copies only the thread it acts on (shares the others)", () => {
  const bidders = Array.from({ length: 50 }, (_, i) => `p${i}`);
  const { state } = run(start("fipa-contract-net", "initiator"), [
    sent(m("cfp", "m", bidders, { reply_by: DEADLINE })),
  ]);
  const before = JSON.stringify(state);
  const r = step(state, recv(m("propose", "p7", "m")));
  assert.ok(r.ok);
  assert.equal(JSON.stringify(state), before, "the state before is not modified");
  assert.equal(thread(r.state, "p7"), "proposed");
  assert.notEqual(r.state.threads[7], state.threads[7], "the thread acted on is a copy");
  const shared = r.state.threads.filter((t, i) => t === state.threads[i]).length;
  assert.equal(shared, bidders.length - 1, "the other threads are shared, not copied");
  assert.notEqual(r.state.threads, state.threads);
});

Deno.test("fipa-english-auction: a step on a protocol that changes other threads copies all", () => {
  const { state } = run(start("fipa-auction-english", "initiator"), [
    sent(m("inform", "a", ["b1", "b2"])),
  ]);
  const r = step(state, sent(m("cfp", "a", ["b1", "b2"], { price: 10 })));
  assert.ok(r.ok);
  assert.ok(r.state.threads.every((t, i) => t !== state.threads[i]));
});
