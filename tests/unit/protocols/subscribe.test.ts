import { expected, isFinished, start } from "../../../protocols/mod.ts";
import { assert, at, m, recv, refused, run, sent, thread } from "./helpers.ts";

Deno.test("fipa-subscribe: agree, repeated inform-result, cancel ends it", () => {
  let { state } = run(start("fipa-subscribe", "initiator"), [
    sent(m("subscribe", "a", "b")),
    recv(m("agree", "b", "a")),
    recv(m("inform", "b", "a")),
    recv(m("inform", "b", "a")),
    recv(m("inform", "b", "a")),
  ]);
  assert.equal(thread(state, "b"), "notifying");
  assert.ok(!isFinished(state), "a subscription runs until cancelled or failed");
  state = run(state, [sent(m("cancel", "a", "b")), recv(m("inform", "b", "a"))]).state;
  assert.equal(thread(state, "b"), "cancelled");
  assert.ok(isFinished(state));
});

Deno.test("fipa-subscribe: agree optional; failure ends it; participant side", () => {
  const { state } = run(start("fipa-subscribe", "participant", { self: "b" }), [
    recv(m("subscribe", "a", "b")),
    sent(m("inform", "b", "a")),
    sent(m("failure", "b", "a")),
  ]);
  assert.equal(thread(state, "b"), "failed");
  assert.ok(isFinished(state));
});

Deno.test("fipa-subscribe: fan-out, refuse, violations, not-understood, deadline", () => {
  const s = run(start("fipa-subscribe", "initiator"), [
    sent(m("subscribe", "a", ["b", "c", "d"], { reply_by: "2030-01-01T00:00:00Z" })),
    recv(m("refuse", "b", "a")),
    recv(m("agree", "c", "a")),
  ]).state;
  assert.equal(refused(s, recv(m("agree", "c", "a"))).state, "agreed");
  assert.equal(refused(s, recv(m("inform", "b", "a"))).state, "refused");
  assert.deepEqual(expected(s).find((e) => e.from === "c")?.performatives, [
    "failure",
    "inform",
    "not-understood",
  ]);
  const end = run(s, [recv(m("not-understood", "c", "a")), at("2030-01-01T00:00:00Z")]).state;
  assert.equal(thread(end, "c"), "not-understood");
  assert.equal(thread(end, "d"), "timed-out");
  assert.ok(isFinished(end));
});
