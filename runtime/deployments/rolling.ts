/**
 * A rolling deployment across the instances of a replicated agent, pure: given the
 * instances as they stand (which version each runs, whether it is up) it says what to do
 * next — replace the next batch of `batch_size` old instances, wait while the batch just
 * replaced is not yet healthy, roll back when a new instance failed, or complete. No timers:
 * the shell calls it whenever an instance changes and carries out the step.
 * @module
 */

/** One instance of the agent as the shell sees it. */
export interface RollingInstance {
  /** Stable id of the instance (its replica index, say). */
  id: string;
  /** Whether it runs the version that was there (`old`) or the one being deployed (`new`). */
  version: "old" | "new";
  /** `starting`: not yet healthy; `running`: healthy; `failed`: it failed. */
  state: "starting" | "running" | "failed";
}

/** What the shell must do next. */
export type RollingStep =
  | { type: "replace"; ids: string[] }
  | { type: "wait"; ids: string[] }
  | { type: "complete" }
  | { type: "rollback"; reason: string; ids: string[] };

/**
 * A pause between batches: the next batch is replaced no sooner than `pauseMs` after the
 * last one was (`lastBatchMs`), `nowMs` being now.
 */
export interface RollingPause {
  pauseMs: number;
  lastBatchMs: number;
  nowMs: number;
}

/**
 * The next step of a rolling deployment with batches of `batchSize` (≥ 1): a failed new
 * instance rolls it back (`ids`: the new instances to put back on the old version); a new
 * instance still starting is waited for (each batch healthy before the next); otherwise the
 * next `batchSize` old instances are replaced (in id order; after the first batch, once
 * `pause` allows), and once none is left it is complete.
 */
export function nextRollingStep(
  batchSize: number,
  instances: readonly RollingInstance[],
  pause?: RollingPause,
): RollingStep {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batch_size must be a whole number ≥ 1, got ${batchSize}`);
  }
  const fresh = instances.filter((i) => i.version === "new");
  const failed = fresh.filter((i) => i.state === "failed");
  if (failed.length) {
    return {
      type: "rollback",
      reason: `instance${failed.length > 1 ? "s" : ""} ${
        failed.map((i) => i.id).join(", ")
      } of the new version failed`,
      ids: fresh.map((i) => i.id).sort(),
    };
  }
  const starting = fresh.filter((i) => i.state === "starting").map((i) => i.id).sort();
  if (starting.length) return { type: "wait", ids: starting };
  const old = instances.filter((i) => i.version === "old").map((i) => i.id).sort();
  // After a batch, the pause (if any) runs before the next one.
  if (old.length && fresh.length && pause && pause.nowMs < pause.lastBatchMs + pause.pauseMs) {
    return { type: "wait", ids: [] };
  }
  if (old.length) return { type: "replace", ids: old.slice(0, batchSize) };
  return { type: "complete" };
}
