/**
 * The decision procedure of a deployment, pure: from the strategy, where the deployment
 * stands and what was observed (time, the new version's outcomes, whether it is ready) to
 * where it stands next and what the shell must do (set the new version's share of new
 * conversations, complete, roll back). No clock, no timers, no I/O: the shell calls
 * {@link decide} on each tick and on each observation, tests call it with any numbers.
 * @module
 */
import type { Strategy } from "./strategy.ts";

/** Where a deployment is. */
export type DeploymentStatus = "in_progress" | "completed" | "rolled_back";

/** Outcomes of one version since the deployment started. */
export interface VersionCounts {
  /** Messages it handled (successes and errors). */
  handled: number;
  /** Of those, errors: traps, restarts, `failure`/`not-understood` replies, timeouts. */
  errors: number;
}

/** What the shell saw, at `nowMs`. */
export interface Observation {
  nowMs: number;
  /** The new version's outcomes since the deployment started. */
  next: VersionCounts;
  /** The new version's instance started (its `init` returned). */
  nextReady: boolean;
}

/** Where a deployment stands: all the machine keeps between calls. */
export interface DeploymentProgress {
  status: DeploymentStatus;
  /** Canary: index of the current stage; blue-green: 0 warming, 1 switched. */
  stage: number;
  stageStartedMs: number;
  /** Share of new conversations the new version takes, percent. */
  weight: number;
  /** Why it was rolled back. */
  reason?: string;
  finishedMs?: number;
}

/** What the shell must do. */
export type DeploymentAction =
  | { type: "set-weight"; weight: number }
  | { type: "complete" }
  | { type: "rollback"; reason: string };

/** A decision: the next progress and the actions that take it there, in order. */
export interface Decision {
  progress: DeploymentProgress;
  actions: DeploymentAction[];
}

/** The start of a deployment at `nowMs`: its first weight. */
export function startDeployment(strategy: Strategy, nowMs: number): Decision {
  switch (strategy.type) {
    case "canary": {
      const weight = strategy.stages[0].percentage;
      return {
        progress: { status: "in_progress", stage: 0, stageStartedMs: nowMs, weight },
        actions: [{ type: "set-weight", weight }],
      };
    }
    case "blue_green":
      // The new version starts beside the old one and takes nothing until it is ready.
      return {
        progress: { status: "in_progress", stage: 0, stageStartedMs: nowMs, weight: 0 },
        actions: [{ type: "set-weight", weight: 0 }],
      };
    case "immediate":
    case "rolling":
      // One instance is one batch: a rolling deployment of it replaces it at once.
      return {
        progress: {
          status: "completed",
          stage: 0,
          stageStartedMs: nowMs,
          weight: 100,
          finishedMs: nowMs,
        },
        actions: [{ type: "set-weight", weight: 100 }, { type: "complete" }],
      };
  }
}

/** The new version's error rate, when there are enough outcomes to judge it. */
function errorRate(counts: VersionCounts, minSamples: number): number | undefined {
  return counts.handled >= minSamples ? counts.errors / counts.handled : undefined;
}

function rolledBack(p: DeploymentProgress, nowMs: number, reason: string): Decision {
  return {
    progress: { ...p, status: "rolled_back", weight: 0, reason, finishedMs: nowMs },
    actions: [{ type: "set-weight", weight: 0 }, { type: "rollback", reason }],
  };
}

/**
 * The next step of a deployment in progress (a finished one stays as it is). The error
 * check comes first: with `rollback_on_error`, once the new version has `min_samples`
 * outcomes and more than `error_threshold` of them are errors, traffic goes back to the
 * old version and the reason says why. Otherwise a canary moves to its next stage when the
 * current one's duration has passed (one stage per call) and completes when its last stage
 * (100 %) has run for its duration; a blue-green deployment switches all traffic when the
 * new version is ready and completes when the rollback window has passed.
 */
export function decide(strategy: Strategy, p: DeploymentProgress, o: Observation): Decision {
  if (p.status !== "in_progress") return { progress: p, actions: [] };
  if (strategy.type === "canary" || strategy.type === "blue_green") {
    const rate = errorRate(o.next, strategy.min_samples);
    if (strategy.rollback_on_error && rate !== undefined && rate > strategy.error_threshold) {
      return rolledBack(
        p,
        o.nowMs,
        `error rate ${
          rate.toFixed(3)
        } of the new version (${o.next.errors} errors in ${o.next.handled} messages) passed error_threshold ${strategy.error_threshold}`,
      );
    }
  }
  const elapsed = o.nowMs - p.stageStartedMs;
  switch (strategy.type) {
    case "canary": {
      const stage = strategy.stages[p.stage];
      if (elapsed < stage.duration) return { progress: p, actions: [] };
      if (p.stage === strategy.stages.length - 1) {
        return {
          progress: { ...p, status: "completed", finishedMs: o.nowMs },
          actions: [{ type: "complete" }],
        };
      }
      const weight = strategy.stages[p.stage + 1].percentage;
      return {
        progress: { ...p, stage: p.stage + 1, stageStartedMs: o.nowMs, weight },
        actions: [{ type: "set-weight", weight }],
      };
    }
    case "blue_green": {
      if (p.stage === 0) {
        if (!o.nextReady) return { progress: p, actions: [] };
        return {
          progress: { ...p, stage: 1, stageStartedMs: o.nowMs, weight: 100 },
          actions: [{ type: "set-weight", weight: 100 }],
        };
      }
      if (elapsed < strategy.rollback_window) return { progress: p, actions: [] };
      return {
        progress: { ...p, status: "completed", finishedMs: o.nowMs },
        actions: [{ type: "complete" }],
      };
    }
    default:
      return { progress: p, actions: [] };
  }
}

/** The answer to a rollback request: a decision, or why there is nothing to roll back. */
export type RollbackAnswer = { ok: true; decision: Decision; restorePrevious: boolean } | {
  ok: false;
  reason: string;
};

/**
 * A rollback the client asked for. In progress: traffic goes back to the old version. A
 * completed deployment goes back to the version before it (`restorePrevious`), when there
 * is one. A deployment already rolled back has nothing to roll back to.
 */
export function requestRollback(
  p: DeploymentProgress,
  nowMs: number,
  hasPrevious: boolean,
): RollbackAnswer {
  if (p.status === "rolled_back") {
    return { ok: false, reason: `the deployment was already rolled back (${p.reason})` };
  }
  if (p.status === "completed" && !hasPrevious) {
    return { ok: false, reason: "there is no earlier version to roll back to" };
  }
  return {
    ok: true,
    decision: rolledBack(p, nowMs, "rollback requested"),
    restorePrevious: p.status === "completed",
  };
}
