// The hibernation scheduler's pure decision about one agent, and the list rule built on it.
import assert from "node:assert/strict";
import {
  type AgentActivity,
  dueForHibernation,
  idleDecision,
} from "../../../runtime/migration/mod.ts";

const running = (over: Partial<AgentActivity> = {}): AgentActivity => ({
  name: "a",
  state: "running",
  last_active_ms: 0,
  hibernate_after_seconds: 60,
  pending: 0,
  ...over,
});

Deno.test("idleDecision: waits until the deadline, retries a busy one, drops the rest", () => {
  assert.deepEqual(idleDecision(running(), 30_000, 1000), { kind: "wait", at: 60_000 });
  assert.deepEqual(idleDecision(running(), 60_000, 1000), { kind: "hibernate" });
  assert.deepEqual(idleDecision(running({ pending: 2 }), 61_000, 1000), {
    kind: "wait",
    at: 62_000,
  });
  assert.deepEqual(idleDecision(running({ hibernate_after_seconds: 0 }), 1e9, 1000), {
    kind: "drop",
  });
  assert.deepEqual(idleDecision(running({ state: "hibernated" }), 1e9, 1000), { kind: "drop" });
  assert.deepEqual(idleDecision(undefined, 1e9, 1000), { kind: "drop" });
  // The list rule agrees with the one-agent decision.
  assert.deepEqual(
    dueForHibernation([running({ name: "b" }), running({ pending: 1 }), running()], 60_000),
    ["a", "b"],
  );
});
