import { backoffDelay, type BackoffSchedule } from "../runtime/async/backoff.ts";
import type { ApiError } from "./errors.ts";

/**
 * When and how long the client waits before trying a refused request again. The backoff
 * schedule is the runtime's own pure {@link backoffDelay} (a leaf module with no imports, so
 * the client loads nothing else of the node).
 */
export interface RetryPolicy extends BackoffSchedule {
  /** Retries after the first attempt (0: never retry). */
  maxRetries: number;
  /**
   * Statuses worth retrying. 429 (rate limit, full mailbox) and 503 (agent or node
   * unavailable, no leader) mean the node did nothing with the request, so any method may be
   * sent again.
   */
  statuses: readonly number[];
  /** The longest `Retry-After` honoured; when a node asks for longer, its error is thrown. */
  maxRetryAfterMs: number;
}

/** 3 retries, 250 ms doubling up to 8 s, on 429 and 503; `Retry-After` up to 60 s. */
export const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 3,
  initialDelayMs: 250,
  factor: 2,
  maxDelayMs: 8_000,
  statuses: [429, 503],
  maxRetryAfterMs: 60_000,
};

/**
 * The wait before retry number `retry` (1 = the first retry) after `error`, or `undefined`
 * when the request must not be retried: a status not in the policy, retries used up, or a
 * `Retry-After` longer than `maxRetryAfterMs`. The node's `Retry-After` wins over the
 * backoff schedule. Pure.
 *
 * @example
 * ```ts
 * retryDelay(DEFAULT_RETRY, 1, rateLimited); // 1000 when the node said Retry-After: 1
 * ```
 */
export function retryDelay(
  policy: RetryPolicy,
  retry: number,
  error: Pick<ApiError, "status" | "retryAfterMs">,
): number | undefined {
  if (retry > policy.maxRetries || !policy.statuses.includes(error.status)) return undefined;
  if (error.retryAfterMs !== undefined) {
    return error.retryAfterMs > policy.maxRetryAfterMs ? undefined : error.retryAfterMs;
  }
  return backoffDelay(policy, retry);
}
