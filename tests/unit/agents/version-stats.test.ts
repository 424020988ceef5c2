// A deployment's counts of one version: what counts as an error of a handling.
import assert from "node:assert/strict";
import { countOutcome, freshStats, isErrorReply } from "../../../runtime/agents/managed.ts";

Deno.test("version stats: a handling is an error when it failed or answered failure/not-understood", () => {
  const s = freshStats();
  countOutcome(s, 1, false);
  assert.deepEqual([s.handled, s.errors], [1, 0]);
  countOutcome(s, 1, true); // a trap, or not understood
  assert.deepEqual([s.handled, s.errors], [2, 1]);
  // Two failure replies sent while handling one message: one error, for that handling only.
  s.errorReplies += 2;
  countOutcome(s, 1, false);
  countOutcome(s, 1, false);
  assert.deepEqual([s.handled, s.errors, s.errorReplies], [4, 2, 0]);
  assert.deepEqual(s.latencies, [1, 1, 1, 1]);
});

Deno.test("version stats: failure and not-understood are error replies, the rest are not", () => {
  assert.equal(isErrorReply({ performative: "failure" }), true);
  assert.equal(isErrorReply({ performative: "not-understood" }), true);
  for (const p of ["inform", "refuse", "agree", "propose"] as const) {
    assert.equal(isErrorReply({ performative: p }), false, p);
  }
});
