import { isFinished, start } from "../../../protocols/mod.ts";
import { assert, at, m, obs, recv, refused, run, sent, thread } from "./helpers.ts";

Deno.test("fipa-query: query-if answered by inform (true/false), agree optional", () => {
  const { state } = run(start("fipa-query", "initiator"), [
    sent(m("query-if", "a", "b")),
    recv(m("inform", "b", "a")),
  ]);
  assert.equal(thread(state, "b"), "done");
  assert.ok(isFinished(state));
});

Deno.test("fipa-query: query-ref from the participant's side, agree then inform-result", () => {
  const { state } = run(start("fipa-query", "participant", { self: "b" }), [
    recv(m("query-ref", "a", "b")),
    sent(m("agree", "b", "a")),
    sent(m("inform", "b", "a")),
  ]);
  assert.equal(thread(state, "b"), "done");
});

Deno.test("fipa-query: fan-out, refuse and failure", () => {
  const { state } = run(start("fipa-query", "initiator"), [
    sent(m("query-ref", "a", ["b", "c"])),
    recv(m("refuse", "b", "a")),
    recv(m("agree", "c", "a")),
    recv(m("failure", "c", "a")),
  ]);
  assert.equal(thread(state, "b"), "refused");
  assert.equal(thread(state, "c"), "failed");
  assert.ok(isFinished(state));
});

Deno.test("fipa-query: violations", () => {
  const opened = run(start("fipa-query", "initiator"), [sent(m("query-ref", "a", "b"))]).state;
  const v = refused(opened, recv(m("confirm", "b", "a")));
  assert.equal(v.state, "queried");
  assert.ok(v.expected.includes("inform"));
  assert.deepEqual(
    refused(start("fipa-query", "initiator"), sent(m("request", "a", "b"))).expected,
    [
      "query-if",
      "query-ref",
    ],
  );
  // The initiator cannot have received a message not addressed to it.
  assert.match(refused(opened, recv(m("inform", "b", "x"))).reason, /not addressed to it/);
  // Seen by a bystander: a participant's reply must go to the initiator.
  const seen = run(start("fipa-query", "observer"), [obs(m("query-ref", "a", "b"))]).state;
  assert.match(refused(seen, obs(m("inform", "b", "x"))).reason, /to the initiator a/);
});

Deno.test("fipa-query: cancel, not-understood, deadline", () => {
  const opened = run(start("fipa-query", "initiator"), [
    sent(m("query-ref", "a", ["b", "c", "d"], { reply_by: "2030-01-01T00:00:00Z" })),
  ]).state;
  const s = run(opened, [
    sent(m("cancel", "a", "b")),
    recv(m("inform", "b", "a")),
    recv(m("not-understood", "c", "a")),
    at("2030-01-01T00:00:01Z"),
  ]).state;
  assert.equal(thread(s, "b"), "cancelled");
  assert.equal(thread(s, "c"), "not-understood");
  assert.equal(thread(s, "d"), "timed-out");
  assert.ok(isFinished(s));
});
