/**
 * Small async helpers for shells (never for pure cores): polling, and the one timer
 * interface with its real and manual implementations.
 * @module
 */
export { pollUntil } from "./poll.ts";
export {
  ManualTimers,
  REAL_TIMERS,
  type TimerHandle,
  type Timers,
  UNREF_TIMERS,
} from "./timers.ts";
