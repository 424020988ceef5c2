import { isFinished, start } from "../../../protocols/mod.ts";
import { assert, at, m, recv, refused, run, sent, thread } from "./helpers.ts";

Deno.test("fipa-iterated-contract-net: two rounds, then an award", () => {
  const { state } = run(start("fipa-iterated-contract-net", "initiator"), [
    sent(m("cfp", "m", ["p1", "p2", "p3"])),
    recv(m("propose", "p1", "m")),
    recv(m("propose", "p2", "m")),
    recv(m("refuse", "p3", "m")),
    // Revised cfp to p1 and p2: round 2.
    sent(m("cfp", "m", ["p1", "p2"])),
    recv(m("propose", "p1", "m")),
    recv(m("propose", "p2", "m")),
    sent(m("accept-proposal", "m", "p2")),
    sent(m("reject-proposal", "m", "p1")),
    recv(m("inform", "p2", "m")),
  ]);
  assert.equal(state.round, 2);
  assert.equal(thread(state, "p2"), "done");
  assert.equal(thread(state, "p1"), "rejected");
  assert.equal(thread(state, "p3"), "refused");
  assert.ok(isFinished(state));
});

Deno.test("fipa-iterated-contract-net: iterate with some, reject the rest; rejecting all ends it", () => {
  const { state } = run(start("fipa-iterated-contract-net", "initiator"), [
    sent(m("cfp", "m", ["p1", "p2"])),
    recv(m("propose", "p1", "m")),
    recv(m("propose", "p2", "m")),
    sent(m("cfp", "m", "p1")),
    sent(m("reject-proposal", "m", "p2")),
    recv(m("propose", "p1", "m")),
    sent(m("reject-proposal", "m", "p1")),
  ]);
  assert.ok(isFinished(state));
});

Deno.test("fipa-iterated-contract-net: no stale accepts, no iteration after an accept", () => {
  const s = run(start("fipa-iterated-contract-net", "initiator"), [
    sent(m("cfp", "m", ["p1", "p2"])),
    recv(m("propose", "p1", "m")),
    recv(m("propose", "p2", "m")),
    sent(m("cfp", "m", "p1")),
  ]).state;
  // p2's proposal is from round 1; round 2 is under way.
  const stale = refused(s, sent(m("accept-proposal", "m", "p2")));
  assert.deepEqual(stale.expected, ["reject-proposal", "cfp", "cancel", "not-understood"]);
  const accepted = run(s, [recv(m("propose", "p1", "m")), sent(m("accept-proposal", "m", "p1"))])
    .state;
  const v = refused(accepted, sent(m("cfp", "m", "p2")));
  assert.ok(!v.expected.includes("cfp"), "accepting makes the round final");
  // And nobody new joins after round 1.
  assert.match(refused(s, sent(m("cfp", "m", "p9"))).reason, /not a participant/);
});

Deno.test("fipa-iterated-contract-net: participant side across rounds, cancel, deadline", () => {
  const p = run(start("fipa-iterated-contract-net", "participant", { self: "p1" }), [
    recv(m("cfp", "m", "p1")),
    sent(m("propose", "p1", "m")),
    recv(m("cfp", "m", "p1", { reply_by: "2030-01-01T00:00:00Z" })),
    sent(m("propose", "p1", "m")),
    recv(m("accept-proposal", "m", "p1")),
    recv(m("cancel", "m", "p1")),
    sent(m("failure", "p1", "m")),
  ]).state;
  assert.equal(thread(p, "p1"), "cancel-failed");
  const t = run(start("fipa-iterated-contract-net", "initiator"), [
    sent(m("cfp", "m", ["p1", "p2"])),
    recv(m("propose", "p1", "m")),
    recv(m("not-understood", "p2", "m")),
    sent(m("cfp", "m", "p1", { reply_by: "2030-01-01T00:00:00Z" })),
    at("2030-01-01T00:00:00Z"),
  ]).state;
  assert.equal(thread(t, "p1"), "timed-out");
  assert.equal(thread(t, "p2"), "not-understood");
  assert.ok(isFinished(t));
});
