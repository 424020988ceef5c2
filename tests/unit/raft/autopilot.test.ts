import assert from "node:assert/strict";
import {
  type AutopilotPolicy,
  type AutopilotView,
  confOf,
  decideAutopilot,
  type MemberHealth,
} from "../../../runtime/raft/mod.ts";

const POLICY: AutopilotPolicy = {
  targetVoters: 5,
  deadAfterMs: 10_000,
  healthyWithinMs: 1_000,
  maxLagEntries: 10,
};
const UP: MemberHealth = { silentMs: 50, match: 100 };
const GONE: MemberHealth = { silentMs: 30_000, match: 40 };

function view(
  voters: string[],
  learners: string[],
  health: Record<string, MemberHealth>,
  extra: Partial<AutopilotView> = {},
): AutopilotView {
  return {
    leader: voters[0],
    conf: confOf(voters, learners),
    commitIndex: 100,
    changePending: false,
    health,
    ...extra,
  };
}

Deno.test("autopilot: a healthy cluster at its target stays as it is", () => {
  const v = view(["a", "b", "c", "d", "e"], ["f", "g"], {
    b: UP,
    c: UP,
    d: UP,
    e: UP,
    f: UP,
    g: UP,
  });
  assert.equal(decideAutopilot(v, POLICY), null);
});

Deno.test("autopilot: below the target, the most caught-up healthy learner is promoted", () => {
  const v = view(["a", "b", "c"], ["f", "g", "h"], {
    b: UP,
    c: UP,
    f: { silentMs: 50, match: 95 },
    g: { silentMs: 50, match: 99 },
    h: { silentMs: 5_000, match: 100 }, // not heard from lately: not healthy
  });
  assert.deepEqual(decideAutopilot(v, POLICY)?.change, { type: "addVoter", node: "g" });
});

Deno.test("autopilot: a learner that lags or was never heard from is not promoted", () => {
  const lagging = view(["a", "b", "c"], ["f", "g"], {
    b: UP,
    c: UP,
    f: { silentMs: 50, match: 89 },
  });
  assert.equal(decideAutopilot(lagging, POLICY), null);
});

Deno.test("autopilot: a dead voter at the target is replaced: promote first, then remove", () => {
  const health = { b: UP, c: UP, d: GONE, e: UP, f: UP };
  const first = decideAutopilot(view(["a", "b", "c", "d", "e"], ["f"], health), POLICY);
  assert.deepEqual(first?.change, { type: "addVoter", node: "f" });
  assert.match(first!.reason, /replaces voter d/);
  const second = decideAutopilot(view(["a", "b", "c", "d", "e", "f"], [], health), POLICY);
  assert.deepEqual(second?.change, { type: "removeNode", node: "d" });
  const done = decideAutopilot(view(["a", "b", "c", "e", "f"], [], health), POLICY);
  assert.equal(done, null);
});

Deno.test("autopilot: two dead voters are replaced one change at a time, longest silent first", () => {
  let voters = ["a", "b", "c", "d", "e"];
  let learners = ["f", "g", "h"];
  const health: Record<string, MemberHealth> = {
    b: UP,
    c: { silentMs: 20_000, match: 10 },
    d: { silentMs: 12_000, match: 10 },
    e: UP,
    f: UP,
    g: UP,
    h: UP,
  };
  const steps: string[] = [];
  for (let i = 0; i < 10; i++) {
    const d = decideAutopilot(view(voters, learners, health), POLICY);
    if (!d) break;
    const { type, node } = d.change;
    steps.push(`${type} ${node}`);
    if (type === "addVoter") {
      voters = [...voters, node];
      learners = learners.filter((l) => l !== node);
    } else {
      voters = voters.filter((v) => v !== node);
    }
    // While a change is pending nothing else is decided.
    assert.equal(
      decideAutopilot(view(voters, learners, health, { changePending: true }), POLICY),
      null,
    );
  }
  assert.deepEqual(steps, ["addVoter f", "removeNode c", "addVoter g", "removeNode d"]);
  assert.deepEqual(voters.sort(), ["a", "b", "e", "f", "g"]);
});

Deno.test("autopilot: no learner to take its place: a dead voter stays (the count is kept)", () => {
  const v = view(["a", "b", "c", "d", "e"], [], { b: UP, c: UP, d: GONE, e: UP });
  assert.equal(decideAutopilot(v, POLICY), null);
});

Deno.test("autopilot: above the target, a dead voter is removed even without a learner", () => {
  const v = view(["a", "b", "c", "d", "e", "f", "g"], [], {
    b: UP,
    c: UP,
    d: UP,
    e: GONE,
    f: UP,
    g: UP,
  });
  assert.deepEqual(decideAutopilot(v, POLICY)?.change, { type: "removeNode", node: "e" });
});

Deno.test("autopilot: a member missing from the health view counts as silent; the leader never", () => {
  // c is missing: dead; a (the leader) has no entry and is never considered.
  const v = view(["a", "b", "c"], ["d"], { b: UP, d: UP }, {});
  assert.deepEqual(decideAutopilot(v, { ...POLICY, targetVoters: 3 })?.change, {
    type: "addVoter",
    node: "d",
  });
  assert.equal(decideAutopilot({ ...v, leader: "d" }, POLICY), null, "not a voter: no decision");
});

Deno.test("autopilot: a node heard from outside the configuration comes back as a learner", () => {
  const health = { b: UP, c: UP };
  const v = view(["a", "b", "c"], [], health, { outsiders: { x: 200, y: 60_000 } });
  assert.deepEqual(decideAutopilot(v, { ...POLICY, targetVoters: 3 })?.change, {
    type: "addLearner",
    node: "x",
  });
  // Silent outsiders (gone, or left for good) are not added.
  const quiet = view(["a", "b", "c"], [], health, { outsiders: { y: 60_000 } });
  assert.equal(decideAutopilot(quiet, { ...POLICY, targetVoters: 3 }), null);
});

Deno.test("autopilot: a replaced voter that came back in time is demoted (removed, re-added)", () => {
  // d was silent long enough for f to be promoted, then answered again: 6 healthy voters.
  const health = { b: UP, c: UP, d: { silentMs: 50, match: 90 }, e: UP, f: UP };
  const first = decideAutopilot(view(["a", "b", "c", "d", "e", "f"], [], health), POLICY);
  assert.deepEqual(first?.change, { type: "removeNode", node: "d" }, "furthest behind");
  const second = decideAutopilot(
    view(["a", "b", "c", "e", "f"], [], health, { outsiders: { d: 50 } }),
    POLICY,
  );
  assert.deepEqual(second?.change, { type: "addLearner", node: "d" });
});
