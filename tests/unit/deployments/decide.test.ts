import assert from "node:assert/strict";
import {
  decide,
  type DeploymentProgress,
  requestRollback,
  startDeployment,
  type Strategy,
  StrategySchema,
} from "../../../runtime/deployments/mod.ts";

const CANARY = {
  type: "canary",
  stages: [
    { percentage: 10, duration: "30s" },
    { percentage: 50, duration: "30s" },
    { percentage: 100, duration: "0" },
  ],
  error_threshold: 0.05,
};
const canary = StrategySchema.parse(CANARY);

const clean = (handled: number) => ({ handled, errors: 0 });

function run(strategy: Strategy, steps: { t: number; handled: number; errors?: number }[]) {
  let { progress, actions } = startDeployment(strategy, 0);
  const log = [actions];
  for (const s of steps) {
    const d = decide(strategy, progress, {
      nowMs: s.t,
      next: { handled: s.handled, errors: s.errors ?? 0 },
      nextReady: true,
    });
    progress = d.progress;
    actions = d.actions;
    log.push(actions);
  }
  return { progress, log };
}

Deno.test("canary: stages follow their durations, then it completes at 100", () => {
  const { progress, log } = run(canary, [
    { t: 29_999, handled: 5 },
    { t: 30_000, handled: 6 },
    { t: 59_999, handled: 50 },
    { t: 60_000, handled: 60 },
    { t: 60_000, handled: 60 },
  ]);
  assert.deepEqual(log, [
    [{ type: "set-weight", weight: 10 }],
    [],
    [{ type: "set-weight", weight: 50 }],
    [],
    [{ type: "set-weight", weight: 100 }],
    [{ type: "complete" }],
  ]);
  assert.equal(progress.status, "completed");
  assert.equal(progress.weight, 100);
  assert.equal(progress.finishedMs, 60_000);
});

Deno.test("canary: a late tick moves one stage, the next stage's clock starts then", () => {
  const { progress } = run(canary, [{ t: 500_000, handled: 0 }]);
  assert.equal(progress.stage, 1);
  assert.equal(progress.stageStartedMs, 500_000);
  assert.equal(progress.weight, 50);
});

Deno.test("canary: an error rate over the threshold rolls back by itself and says why", () => {
  const { progress, log } = run(canary, [
    { t: 1000, handled: 19, errors: 19 }, // too few outcomes to judge
    { t: 2000, handled: 20, errors: 20 },
  ]);
  assert.deepEqual(log[1], []);
  assert.equal(progress.status, "rolled_back");
  assert.equal(progress.weight, 0);
  assert.deepEqual(log[2][0], { type: "set-weight", weight: 0 });
  assert.equal(log[2][1].type, "rollback");
  assert.match(
    progress.reason!,
    /error rate 1\.000 .*20 errors in 20 messages.*error_threshold 0\.05/,
  );
  // A finished deployment stays as it is.
  const after = decide(canary, progress, { nowMs: 99_000, next: clean(1000), nextReady: true });
  assert.deepEqual(after, { progress, actions: [] });
});

Deno.test("canary: at the threshold is not over it; without rollback_on_error it carries on", () => {
  const atThreshold = run(canary, [{ t: 1000, handled: 100, errors: 5 }]);
  assert.equal(atThreshold.progress.status, "in_progress");
  const over = run(canary, [{ t: 1000, handled: 100, errors: 6 }]);
  assert.equal(over.progress.status, "rolled_back");
  const keep = StrategySchema.parse({ ...CANARY, rollback_on_error: false });
  const on = run(keep, [{ t: 30_000, handled: 100, errors: 100 }]);
  assert.equal(on.progress.status, "in_progress");
  assert.equal(on.progress.weight, 50);
});

Deno.test("blue-green: takes nothing until ready, then all; completes after the window", () => {
  const bg = StrategySchema.parse({ type: "blue_green", rollback_window: "10s" });
  let d = startDeployment(bg, 0);
  assert.equal(d.progress.weight, 0);
  d = decide(bg, d.progress, { nowMs: 100, next: clean(0), nextReady: false });
  assert.deepEqual(d.actions, []);
  d = decide(bg, d.progress, { nowMs: 200, next: clean(0), nextReady: true });
  assert.deepEqual(d.actions, [{ type: "set-weight", weight: 100 }]);
  d = decide(bg, d.progress, { nowMs: 10_199, next: clean(500), nextReady: true });
  assert.deepEqual(d.actions, []);
  // Errors inside the window still bring the old version back.
  const bad = decide(bg, d.progress, {
    nowMs: 10_100,
    next: { handled: 500, errors: 400 },
    nextReady: true,
  });
  assert.equal(bad.progress.status, "rolled_back");
  d = decide(bg, d.progress, { nowMs: 10_200, next: clean(600), nextReady: true });
  assert.deepEqual(d.actions, [{ type: "complete" }]);
  assert.equal(d.progress.status, "completed");
});

Deno.test("immediate (and rolling of one instance) completes at once", () => {
  for (const type of ["immediate", "rolling"]) {
    const d = startDeployment(StrategySchema.parse(type), 7);
    assert.equal(d.progress.status, "completed");
    assert.deepEqual(d.actions, [{ type: "set-weight", weight: 100 }, { type: "complete" }]);
  }
});

Deno.test("rollback on request: in progress, completed with an earlier version, never twice", () => {
  const p: DeploymentProgress = { status: "in_progress", stage: 1, stageStartedMs: 0, weight: 50 };
  const a = requestRollback(p, 5, false);
  assert.ok(a.ok);
  assert.equal(a.decision.progress.status, "rolled_back");
  assert.equal(a.restorePrevious, false);
  assert.equal(a.decision.progress.reason, "rollback requested");

  const done: DeploymentProgress = { ...p, status: "completed", weight: 100 };
  const b = requestRollback(done, 5, true);
  assert.ok(b.ok && b.restorePrevious);
  const c = requestRollback(done, 5, false);
  assert.equal(c.ok, false);
  assert.match(!c.ok ? c.reason : "", /no earlier version/);

  const again = requestRollback(a.decision.progress, 6, true);
  assert.equal(again.ok, false);
  assert.match(!again.ok ? again.reason : "", /already rolled back \(rollback requested\)/);
});
