/**
 * Agents' durable timers: the pure per-agent table ({@link addTimer}, {@link cancelTimer},
 * {@link nextDue}, {@link takeDue}) and its stored form ({@link TimerTableSchema}).
 * @module
 */
export {
  addTimer,
  type AddTimerResult,
  type AgentTimer,
  cancelTimer,
  DEFAULT_MAX_TIMERS,
  EMPTY_TIMERS,
  MAX_TIMER_AHEAD_MS,
  MAX_TIMER_TAG_LENGTH,
  MAX_TIMERS_LIMIT,
  nextDue,
  takeDue,
  type TimerTable,
} from "./table.ts";
export { AgentTimerSchema, TimerTableSchema } from "./schema.ts";
export { DurableTimers, type DurableTimersDeps } from "./service.ts";
