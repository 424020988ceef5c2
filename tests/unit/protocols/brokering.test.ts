import { expected, isFinished, start } from "../../../protocols/mod.ts";
import { assert, at, m, obs, recv, refused, run, sent, thread } from "./helpers.ts";

Deno.test("fipa-brokering: proxy, agree, forward to two targets, relay, final relay ends it", () => {
  let { state, effects } = run(start("fipa-brokering", "observer"), [
    obs(m("proxy", "i", "br")),
    obs(m("agree", "br", "i")),
    obs(m("query-ref", "br", ["t1", "t2"], { protocol: "fipa-query" })),
    obs(m("inform", "t1", "br")),
    obs(m("inform", "br", "i")),
  ]);
  assert.ok(effects.some((e) => e.type === "sub-started" && e.protocol === "fipa-query"));
  assert.equal(thread(state, "br"), "relaying");
  assert.ok(!isFinished(state));
  state = run(state, [obs(m("refuse", "t2", "br"))]).state;
  assert.equal(state.subs[0].finished, true);
  assert.equal(state.threads[0].await_final, true);
  state = run(state, [obs(m("inform", "br", "i"))]).state;
  assert.equal(thread(state, "br"), "done");
  assert.ok(isFinished(state));
});

Deno.test("fipa-brokering: the broker's own view, sub-protocol inferred from the act", () => {
  const { state } = run(start("fipa-brokering", "participant", { self: "br" }), [
    recv(m("proxy", "i", "br")),
    sent(m("agree", "br", "i")),
    sent(m("request", "br", "t1")), // no protocol parameter: a request opens fipa-request
    recv(m("agree", "t1", "br")),
    sent(m("agree", "br", "i")),
    recv(m("inform", "t1", "br")),
    sent(m("inform", "br", "i")),
  ]);
  assert.equal(state.subs[0].protocol, "fipa-request");
  assert.equal(thread(state, "br"), "done");
  assert.ok(isFinished(state));
});

Deno.test("fipa-brokering: refuse, failure-no-match, forwarded inform needs no reply", () => {
  const refusedRun = run(start("fipa-brokering", "initiator"), [
    sent(m("proxy", "i", "br")),
    recv(m("refuse", "br", "i")),
  ]).state;
  assert.equal(thread(refusedRun, "br"), "refused");
  const noMatch = run(start("fipa-brokering", "initiator"), [
    sent(m("proxy", "i", "br")),
    recv(m("agree", "br", "i")),
    recv(m("failure", "br", "i")),
  ]).state;
  assert.equal(thread(noMatch, "br"), "failed");
  const informed = run(start("fipa-brokering", "observer"), [
    obs(m("proxy", "i", "br")),
    obs(m("agree", "br", "i")),
    obs(m("inform", "br", ["t1", "t2"])),
  ]).state;
  assert.equal(thread(informed, "br"), "done");
  assert.ok(isFinished(informed));
});

Deno.test("fipa-brokering: fan-out to two brokers", () => {
  const { state } = run(start("fipa-brokering", "initiator"), [
    sent(m("proxy", "i", ["br1", "br2"])),
    recv(m("refuse", "br1", "i")),
    recv(m("agree", "br2", "i")),
    recv(m("failure", "br2", "i")),
  ]);
  assert.deepEqual(state.threads.map((t) => t.state), ["refused", "failed"]);
  assert.ok(isFinished(state));
});

Deno.test("fipa-brokering: violations in the proxy and in the sub-protocol", () => {
  const proxied = run(start("fipa-brokering", "observer"), [obs(m("proxy", "i", "br"))]).state;
  assert.match(refused(proxied, obs(m("request", "br", "t1"))).reason, /only after agreeing/);
  assert.deepEqual(refused(proxied, obs(m("inform", "br", "i"))).expected, [
    "agree",
    "refuse",
    "not-understood",
  ]);
  const fwd = run(proxied, [obs(m("agree", "br", "i")), obs(m("request", "br", "t1"))]).state;
  const v = refused(fwd, obs(m("propose", "t1", "br")));
  assert.equal(v.protocol, "fipa-request");
  assert.match(v.reason, /sub-protocol of br/);
  assert.ok(expected(fwd).some((e) => e.from === "t1" && e.performatives.includes("agree")));
  // A stranger cannot join; the broker cannot forward with an act that opens nothing else.
  assert.match(refused(fwd, obs(m("inform", "x", "br"))).reason, /not part/);
  const informed = run(proxied, [obs(m("agree", "br", "i")), obs(m("inform", "br", "t2"))])
    .state;
  assert.match(refused(informed, obs(m("agree", "t2", "br"))).reason, /opens no protocol/);
});

Deno.test("fipa-brokering: cancel, not-understood, deadlines inside the sub-protocol", () => {
  const s = run(start("fipa-brokering", "observer"), [
    obs(m("proxy", "i", ["br", "br2"])),
    obs(m("not-understood", "br2", "i")),
    obs(m("agree", "br", "i")),
    obs(m("request", "br", "t1", { reply_by: "2030-01-01T00:00:00Z" })),
    at("2030-01-01T00:00:00Z"),
  ]);
  assert.equal(thread(s.state, "br2"), "not-understood");
  assert.ok(s.effects.some((e) => e.type === "timed-out" && e.party === "t1"));
  assert.equal(s.state.subs[0].finished, true);
  // Every sub ended without a reply: nothing to relay, the brokering is done.
  assert.equal(thread(s.state, "br"), "done");
  const c = run(start("fipa-brokering", "initiator"), [
    sent(m("proxy", "i", "br")),
    recv(m("agree", "br", "i")),
    sent(m("cancel", "i", "br")),
    recv(m("inform", "br", "i")),
  ]).state;
  assert.equal(thread(c, "br"), "cancelled");
});
