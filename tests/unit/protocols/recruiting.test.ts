import { isFinished, start } from "../../../protocols/mod.ts";
import { assert, m, obs, recv, refused, run, sent, thread } from "./helpers.ts";

Deno.test("fipa-recruiting: targets answer the initiator directly", () => {
  const { state } = run(start("fipa-recruiting", "observer"), [
    obs(m("proxy", "i", "rec")),
    obs(m("agree", "rec", "i")),
    obs(m("request", "rec", ["t1", "t2"], { reply_to: ["i"], protocol: "fipa-request" })),
    obs(m("agree", "t1", "i")),
    obs(m("inform", "t1", "i")),
    obs(m("refuse", "t2", "i")),
  ]);
  assert.equal(thread(state, "rec"), "done");
  assert.ok(isFinished(state));
});

Deno.test("fipa-recruiting: designated receiver and inform-done-proxy", () => {
  let { state } = run(start("fipa-recruiting", "observer"), [
    obs(m("proxy", "i", "rec")),
    obs(m("agree", "rec", "i")),
    obs(m("query-ref", "rec", "t1", { reply_to: ["d"] })),
    obs(m("inform", "rec", "i")),
  ]);
  assert.equal(thread(state, "rec"), "proxy-done");
  assert.ok(!isFinished(state));
  state = run(state, [obs(m("inform", "t1", "d"))]).state;
  assert.equal(thread(state, "rec"), "done");
});

Deno.test("fipa-recruiting: a recruited contract net continued by the initiator", () => {
  const { state } = run(start("fipa-recruiting", "observer"), [
    obs(m("proxy", "i", "rec")),
    obs(m("agree", "rec", "i")),
    obs(m("cfp", "rec", ["t1", "t2"], { reply_to: ["i"] })),
    obs(m("propose", "t1", "i")),
    obs(m("propose", "t2", "i")),
    obs(m("accept-proposal", "i", "t1")),
    obs(m("reject-proposal", "i", "t2")),
    obs(m("inform", "t1", "i")),
  ]);
  assert.equal(state.subs[0].protocol, "fipa-contract-net");
  assert.ok(isFinished(state));
});

Deno.test("fipa-recruiting: the initiator's view of targets it never saw recruited", () => {
  const cnp = { protocol: "fipa-contract-net" };
  const opened = run(start("fipa-recruiting", "initiator"), [
    sent(m("proxy", "i", "rec")),
    recv(m("agree", "rec", "i")),
  ]).state;
  // Replies naming their protocol are checked from the reply on.
  let state = run(opened, [
    recv(m("propose", "t1", "i", cnp)),
    recv(m("refuse", "t2", "i", cnp)),
    sent(m("accept-proposal", "i", "t1")),
  ]).state;
  assert.deepEqual(state.subs.map((s) => s.protocol), ["fipa-contract-net", "fipa-contract-net"]);
  assert.equal(refused(state, recv(m("propose", "t1", "i"))).protocol, "fipa-contract-net");
  state = run(state, [recv(m("inform", "t1", "i"))]).state;
  assert.equal(thread(state, "rec"), "done");
  assert.ok(isFinished(state));
  // Replies naming none are recorded unchecked; the recruiter's inform ends its part.
  const blind = run(opened, [
    recv(m("agree", "t3", "i")),
    recv(m("inform", "t3", "i")),
    recv(m("inform", "rec", "i")),
  ]).state;
  assert.equal(blind.subs[0].protocol, null);
  assert.equal(thread(blind, "rec"), "done");
});

Deno.test("fipa-recruiting: recruiter's view with hidden forwarding; violations", () => {
  const r = run(start("fipa-recruiting", "participant", { self: "rec" }), [
    recv(m("proxy", "i", "rec")),
    sent(m("agree", "rec", "i")),
    sent(m("inform", "rec", "i")),
  ]).state;
  assert.equal(thread(r, "rec"), "done");
  const proxied = run(start("fipa-recruiting", "observer"), [obs(m("proxy", "i", "rec"))]).state;
  assert.match(refused(proxied, obs(m("request", "rec", "t1"))).reason, /only after agreeing/);
  const fwd = run(proxied, [
    obs(m("agree", "rec", "i")),
    obs(m("request", "rec", "t1", { reply_to: ["i"] })),
  ]).state;
  // The target's answer must go to the initiator or designated receiver.
  assert.match(refused(fwd, obs(m("inform", "t1", "x"))).reason, /to the initiator/);
  // Recruiters do not relay agree.
  assert.deepEqual(refused(fwd, obs(m("agree", "rec", "i"))).expected, [
    "failure",
    "inform",
    "not-understood",
  ]);
});

Deno.test("fipa-recruiting: refuse, failure-proxy, cancel, not-understood", () => {
  const s = run(start("fipa-recruiting", "initiator"), [
    sent(m("proxy", "i", ["r1", "r2", "r3", "r4"])),
    recv(m("refuse", "r1", "i")),
    recv(m("agree", "r2", "i")),
    recv(m("failure", "r2", "i")),
    sent(m("cancel", "i", "r3")),
    recv(m("inform", "r3", "i")),
    recv(m("not-understood", "r4", "i")),
  ]).state;
  assert.deepEqual(s.threads.map((t) => t.state), [
    "refused",
    "failed",
    "cancelled",
    "not-understood",
  ]);
  assert.ok(isFinished(s));
});
