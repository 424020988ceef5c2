import { expected, isFinished, start } from "../../../protocols/mod.ts";
import { assert, at, m, obs, recv, refused, run, sent, thread } from "./helpers.ts";

Deno.test("fipa-request: initiator, agree then inform-result", () => {
  const { state, effects } = run(start("fipa-request", "initiator"), [
    sent(m("request", "a", "b", { reply_with: "r1" })),
    recv(m("agree", "b", "a", { in_reply_to: "r1" })),
    recv(m("inform", "b", "a", { in_reply_to: "r1" })),
  ]);
  assert.equal(thread(state, "b"), "done");
  assert.ok(isFinished(state));
  assert.deepEqual(effects.at(-1), { type: "finished" });
});

Deno.test("fipa-request: the agree is optional (inform-done straight away)", () => {
  const { state } = run(start("fipa-request", "initiator"), [
    sent(m("request", "a", "b")),
    recv(m("inform", "b", "a")),
  ]);
  assert.equal(thread(state, "b"), "done");
});

Deno.test("fipa-request: participant role, refuse and failure", () => {
  const refusing = run(start("fipa-request", "participant", { self: "b" }), [
    recv(m("request", "a", "b")),
    sent(m("refuse", "b", "a")),
  ]).state;
  assert.equal(thread(refusing, "b"), "refused");
  assert.ok(isFinished(refusing));
  const failing = run(start("fipa-request", "participant"), [
    recv(m("request", "a", "b")),
    sent(m("agree", "b", "a")),
    sent(m("failure", "b", "a")),
  ]).state;
  assert.equal(failing.self, "b");
  assert.equal(thread(failing, "b"), "failed");
});

Deno.test("fipa-request: fan-out to several participants finishes when all have", () => {
  let { state } = run(start("fipa-request", "initiator"), [
    sent(m("request", "a", ["b", "c", "d"])),
    recv(m("agree", "b", "a")),
    recv(m("refuse", "c", "a")),
    recv(m("inform", "d", "a")),
  ]);
  assert.ok(!isFinished(state));
  assert.deepEqual(expected(state).find((e) => e.from === "b")?.performatives, [
    "failure",
    "inform",
    "not-understood",
  ]);
  state = run(state, [recv(m("inform", "b", "a"))]).state;
  assert.ok(isFinished(state));
});

Deno.test("fipa-request: violations name protocol, state and expected acts", () => {
  const s = run(start("fipa-request", "initiator"), [sent(m("request", "a", "b"))]).state;
  const v = refused(s, recv(m("propose", "b", "a")));
  assert.equal(v.protocol, "fipa-request");
  assert.equal(v.state, "requested");
  assert.equal(v.got, "propose");
  assert.equal(v.party, "b");
  assert.deepEqual(v.expected, ["agree", "refuse", "failure", "inform", "not-understood"]);
  const agreed = run(s, [recv(m("agree", "b", "a"))]).state;
  assert.equal(refused(agreed, recv(m("agree", "b", "a"))).state, "agreed");
  // Wrong opening act, and a stranger speaking.
  assert.deepEqual(
    refused(start("fipa-request", "initiator"), sent(m("inform", "a", "b"))).expected,
    [
      "request",
    ],
  );
  assert.match(refused(s, obs(m("inform", "z", "a"))).reason, /not part of this conversation/);
});

Deno.test("fipa-request: cancel meta-protocol, inform-done or failure", () => {
  const agreed = run(start("fipa-request", "initiator"), [
    sent(m("request", "a", "b")),
    recv(m("agree", "b", "a")),
    sent(m("cancel", "a", "b")),
  ]).state;
  assert.equal(agreed.threads[0].cancel, true);
  // While the cancel is pending the initiator may not act.
  assert.match(refused(agreed, sent(m("request", "a", "b"))).reason, /cancel is pending/);
  assert.equal(thread(run(agreed, [recv(m("inform", "b", "a"))]).state, "b"), "cancelled");
  assert.equal(thread(run(agreed, [recv(m("failure", "b", "a"))]).state, "b"), "cancel-failed");
  // A participant may not cancel.
  const p = run(start("fipa-request", "participant", { self: "b" }), [recv(m("request", "a", "b"))])
    .state;
  assert.equal(refused(p, sent(m("cancel", "b", "a"))).got, "cancel");
});

Deno.test("fipa-request: not-understood ends the thread, also after the result", () => {
  const s = run(start("fipa-request", "participant", { self: "b" }), [
    recv(m("request", "a", "b")),
    sent(m("not-understood", "b", "a")),
  ]).state;
  assert.equal(thread(s, "b"), "not-understood");
  assert.ok(isFinished(s));
  // The initiator may say it did not understand the final inform, once.
  const done = run(start("fipa-request", "initiator"), [
    sent(m("request", "a", "b")),
    recv(m("inform", "b", "a")),
    sent(m("not-understood", "a", "b")),
  ]).state;
  assert.equal(thread(done, "b"), "not-understood");
  refused(done, sent(m("not-understood", "a", "b")));
});

Deno.test("fipa-request: reply-by deadline expires a silent participant", () => {
  const s = run(start("fipa-request", "initiator"), [
    sent(m("request", "a", ["b", "c"], { reply_by: "2030-01-01T10:00:00Z" })),
    recv(m("agree", "b", "a")),
  ]).state;
  // Not yet due.
  const early = run(s, [at("2030-01-01T09:59:59Z")]);
  assert.equal(early.effects.length, 0);
  const { state, effects } = run(s, [at("2030-01-01T10:00:00Z")]);
  assert.equal(thread(state, "c"), "timed-out");
  assert.equal(thread(state, "b"), "agreed", "b answered before the deadline");
  assert.deepEqual(effects[0], {
    type: "timed-out",
    party: "c",
    awaiting: "participant",
    deadline: "2030-01-01T10:00:00Z",
  });
  assert.match(refused(state, recv(m("inform", "c", "a"))).reason, /timed-out/);
});
