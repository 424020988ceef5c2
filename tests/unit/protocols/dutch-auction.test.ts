import { isFinished, start } from "../../../protocols/mod.ts";
import { assert, at, m, obs, recv, refused, run, sent, thread } from "./helpers.ts";

const BIDDERS = ["b1", "b2", "b3"];

Deno.test("fipa-auction-dutch: falling calls until a bid, competing bid rejected, payment", () => {
  const { state } = run(start("fipa-auction-dutch", "initiator"), [
    sent(m("inform", "auc", BIDDERS)),
    sent(m("cfp", "auc", BIDDERS, { price: 100, reply_by: "2030-01-01T00:00:01Z" })),
    at("2030-01-01T00:00:01Z"),
    sent(m("cfp", "auc", BIDDERS, { price: 90 })),
    recv(m("propose", "b2", "auc")),
    recv(m("propose", "b3", "auc")),
    sent(m("accept-proposal", "auc", "b2")),
    sent(m("reject-proposal", "auc", "b3")),
    sent(m("inform", "auc", BIDDERS)),
    sent(m("request", "auc", "b2")),
    recv(m("inform", "b2", "auc")),
  ]);
  assert.equal(state.round, 2);
  assert.equal(thread(state, "b2"), "paid");
  assert.equal(thread(state, "b3"), "closed");
  assert.ok(isFinished(state));
});

Deno.test("fipa-auction-dutch: a split good, several winners; bidder's side", () => {
  const s = run(start("fipa-auction-dutch", "observer"), [
    obs(m("inform", "auc", BIDDERS)),
    obs(m("cfp", "auc", BIDDERS, { price: 50 })),
    obs(m("propose", "b1", "auc")),
    obs(m("propose", "b2", "auc")),
    obs(m("accept-proposal", "auc", "b1")),
    obs(m("accept-proposal", "auc", "b2")),
    obs(m("cfp", "auc", BIDDERS, { price: 40 })),
    obs(m("propose", "b3", "auc")),
    obs(m("accept-proposal", "auc", "b3")),
    obs(m("inform", "auc", BIDDERS)),
  ]).state;
  assert.deepEqual(s.threads.map((t) => t.state), ["won", "won", "won"]);
  const bidder = run(start("fipa-auction-dutch", "participant", { self: "b1" }), [
    recv(m("inform", "auc", BIDDERS)),
    recv(m("cfp", "auc", BIDDERS, { price: 50 })),
    sent(m("propose", "b1", "auc")),
    recv(m("accept-proposal", "auc", "b1")),
    recv(m("inform", "auc", BIDDERS)),
    recv(m("request", "auc", "b1")),
    sent(m("refuse", "b1", "auc")),
  ]).state;
  assert.equal(thread(bidder, "b1"), "payment-refused");
});

Deno.test("fipa-auction-dutch: violations, not-understood, cancel", () => {
  const s = run(start("fipa-auction-dutch", "initiator"), [
    sent(m("inform", "auc", BIDDERS)),
    sent(m("cfp", "auc", BIDDERS, { price: 100 })),
  ]).state;
  assert.match(refused(s, sent(m("cfp", "auc", BIDDERS, { price: 100 }))).reason, /must fall/);
  assert.match(refused(s, sent(m("cfp", "auc", BIDDERS, { price: 120 }))).reason, /must fall/);
  // Payment may be requested only of a winner.
  const ended = run(s, [sent(m("inform", "auc", BIDDERS))]).state;
  assert.equal(refused(ended, sent(m("request", "auc", "b1"))).state, "closed");
  assert.equal(refused(ended, sent(m("cfp", "auc", BIDDERS, { price: 1 }))).state, "closed");
  const rest = run(s, [
    recv(m("not-understood", "b1", "auc")),
    sent(m("cancel", "auc", ["b2", "b3"])),
    recv(m("inform", "b2", "auc")),
    recv(m("failure", "b3", "auc")),
  ]).state;
  assert.deepEqual(rest.threads.map((t) => t.state), [
    "not-understood",
    "cancelled",
    "cancel-failed",
  ]);
  assert.ok(isFinished(rest));
});

Deno.test("fipa-auction-dutch: every bidder refusing a call lets it close before its reply-by", () => {
  const s = run(start("fipa-auction-dutch", "initiator"), [
    sent(m("inform", "auc", BIDDERS)),
    sent(m("cfp", "auc", BIDDERS, { price: 100, reply_by: "2030-01-01T00:00:01Z" })),
    ...BIDDERS.map((b) => recv(m("refuse", b, "auc"))),
    // No deadline event: the next, lower call follows the three refusals at once.
    sent(m("cfp", "auc", BIDDERS, { price: 90, reply_by: "2030-01-01T00:00:02Z" })),
    recv(m("propose", "b2", "auc")),
  ]).state;
  assert.deepEqual(s.threads.map((t) => t.state), ["called", "bid", "called"]);
  assert.equal(s.round, 2);
  // A refused payment is still the end of the winner's thread.
  const unpaid = run(s, [
    sent(m("accept-proposal", "auc", "b2")),
    sent(m("inform", "auc", BIDDERS)),
    sent(m("request", "auc", "b2")),
    recv(m("refuse", "b2", "auc")),
  ]).state;
  assert.equal(thread(unpaid, "b2"), "payment-refused");
});
