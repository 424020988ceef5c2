/**
 * Delivery guarantees: at-least-once with a KV outbox, retries, dead letters and
 * receiver-side deduplication; circuit breakers per peer node.
 * @module
 */
export { type BreakerOptions, type BreakerState, CircuitBreaker } from "./circuit-breaker.ts";
export { KvDeduper } from "./dedup.ts";
export {
  type DeadLetter,
  DEFAULT_OUTBOX_POLICY,
  Outbox,
  type OutboxEntry,
  type OutboxPolicy,
} from "./outbox.ts";
