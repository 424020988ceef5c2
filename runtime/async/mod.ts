/**
 * Small async helpers for shells (never for pure cores): {@link pollUntil}, the one timer
 * interface with its real and manual implementations, and the pure retry schedule
 * {@link backoffDelay} (used by the MTP sender, the at-least-once outbox and agent restarts),
 * {@link GroupCommit} (writes of what changed, batched while one is under way),
 * {@link TimeoutSlots} (coarse timeouts of many waits sharing a few timers) and
 * {@link DueQueue} (names by the time each is due, for one timer over many).
 * @module
 */
export { backoffDelay, type BackoffSchedule } from "./backoff.ts";
export { DueQueue } from "./due-queue.ts";
export { GroupCommit, type GroupCommitOptions } from "./group-commit.ts";
export { pollUntil } from "./poll.ts";
export { DEFAULT_SLOT_MS, type SlotTimeout, TimeoutSlots } from "./timeout-slots.ts";
export {
  ManualTimers,
  REAL_TIMERS,
  type TimerHandle,
  type Timers,
  UNREF_TIMERS,
} from "./timers.ts";
