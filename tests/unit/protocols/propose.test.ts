import { isFinished, start } from "../../../protocols/mod.ts";
import { assert, at, m, recv, refused, run, sent, thread } from "./helpers.ts";

Deno.test("fipa-propose: accept and reject, fan-out", () => {
  const { state } = run(start("fipa-propose", "initiator"), [
    sent(m("propose", "a", ["b", "c"])),
    recv(m("accept-proposal", "b", "a")),
    recv(m("reject-proposal", "c", "a")),
  ]);
  assert.equal(thread(state, "b"), "accepted");
  assert.equal(thread(state, "c"), "rejected");
  assert.ok(isFinished(state));
});

Deno.test("fipa-propose: participant side", () => {
  const { state } = run(start("fipa-propose", "participant", { self: "b" }), [
    recv(m("propose", "a", "b")),
    sent(m("reject-proposal", "b", "a")),
  ]);
  assert.ok(isFinished(state));
});

Deno.test("fipa-propose: violations, cancel, not-understood, deadline", () => {
  const s = run(start("fipa-propose", "initiator"), [
    sent(m("propose", "a", ["b", "c", "d", "e"], { reply_by: "2030-01-01T00:00:00Z" })),
  ]).state;
  const v = refused(s, recv(m("agree", "b", "a")));
  assert.deepEqual(v.expected, ["accept-proposal", "reject-proposal", "not-understood"]);
  assert.match(refused(s, sent(m("accept-proposal", "a", "b"))).reason, /not allowed/);
  const end = run(s, [
    sent(m("cancel", "a", "b")),
    recv(m("failure", "b", "a")),
    recv(m("not-understood", "c", "a")),
    recv(m("accept-proposal", "d", "a")),
    at("2030-01-01T00:00:00Z"),
  ]).state;
  assert.equal(thread(end, "b"), "cancel-failed");
  assert.equal(thread(end, "c"), "not-understood");
  assert.equal(thread(end, "d"), "accepted");
  assert.equal(thread(end, "e"), "timed-out");
  assert.ok(isFinished(end));
});
