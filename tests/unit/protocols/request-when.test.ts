import { isFinished, start } from "../../../protocols/mod.ts";
import { assert, at, m, recv, refused, run, sent, thread } from "./helpers.ts";

Deno.test("fipa-request-when: agree, wait for the precondition, inform", () => {
  const { state } = run(start("fipa-request-when", "initiator"), [
    sent(m("request-when", "a", "b")),
    recv(m("agree", "b", "a")),
    recv(m("inform", "b", "a")),
  ]);
  assert.equal(thread(state, "b"), "done");
  assert.ok(isFinished(state));
});

Deno.test("fipa-request-when: participant refuses, or agrees then fails", () => {
  const r = run(start("fipa-request-when", "participant", { self: "b" }), [
    recv(m("request-when", "a", "b")),
    sent(m("refuse", "b", "a")),
  ]).state;
  assert.equal(thread(r, "b"), "refused");
  const f = run(start("fipa-request-when", "participant", { self: "b" }), [
    recv(m("request-when", "a", ["b", "c"])),
    sent(m("agree", "b", "a")),
    sent(m("failure", "b", "a")),
  ]).state;
  assert.equal(thread(f, "b"), "failed");
  assert.ok(isFinished(f), "a participant's view ends with its own thread");
});

Deno.test("fipa-request-when: the agree is required before the result", () => {
  const s = run(start("fipa-request-when", "initiator"), [sent(m("request-when", "a", "b"))]).state;
  const v = refused(s, recv(m("inform", "b", "a")));
  assert.equal(v.state, "requested");
  assert.deepEqual(v.expected, ["agree", "refuse", "not-understood"]);
});

Deno.test("fipa-request-when: fan-out, cancel while waiting, not-understood, deadline", () => {
  const { state, effects } = run(start("fipa-request-when", "initiator"), [
    sent(m("request-when", "a", ["b", "c", "d"])),
    recv(m("agree", "b", "a")),
    recv(m("agree", "c", "a")),
    sent(m("cancel", "a", "b", { reply_by: "2030-01-01T00:00:00Z" })),
    recv(m("not-understood", "d", "a")),
    at("2030-01-02T00:00:00Z"),
  ]);
  assert.equal(thread(state, "b"), "timed-out", "no answer to the cancel");
  assert.equal(thread(state, "c"), "agreed");
  assert.equal(thread(state, "d"), "not-understood");
  assert.ok(effects.some((e) => e.type === "timed-out" && e.party === "b"));
});
