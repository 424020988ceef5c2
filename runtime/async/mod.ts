/**
 * Small helpers for waiting: {@link pollUntil} (for shells and tests, never for pure cores)
 * and the pure retry schedule {@link backoffDelay} (used by the MTP sender, the at-least-once
 * outbox and agent restarts).
 * @module
 */
export { backoffDelay, type BackoffSchedule } from "./backoff.ts";
export { pollUntil } from "./poll.ts";
