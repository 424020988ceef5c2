/** How a wait grows between attempts (the mtp retry policy and restart backoff use it). */
export interface BackoffSchedule {
  /** Wait before the first retry, in ms (>= 0). */
  initialDelayMs: number;
  /** Growth per retry (>= 1; 2 doubles). */
  factor: number;
  /** The cap, in ms (>= 0). */
  maxDelayMs: number;
}

/**
 * The wait before retry number `retry` (1 = before the second attempt):
 * `round(min(maxDelayMs, initialDelayMs * factor^(retry-1)))`. Pure and without jitter, so
 * schedules are exact in tests.
 *
 * @throws {RangeError} naming the parameter when a field or `retry` is out of range.
 * @example
 * ```ts
 * backoffDelay({ initialDelayMs: 500, factor: 2, maxDelayMs: 8000 }, 3); // 2000
 * ```
 */
export function backoffDelay(schedule: BackoffSchedule, retry: number): number {
  const { initialDelayMs, factor, maxDelayMs } = schedule;
  if (!(initialDelayMs >= 0 && initialDelayMs < Infinity)) {
    throw new RangeError(`initialDelayMs must be a finite number >= 0, got ${initialDelayMs}`);
  }
  if (!(factor >= 1 && factor < Infinity)) {
    throw new RangeError(`factor must be a finite number >= 1, got ${factor}`);
  }
  if (!(maxDelayMs >= 0 && maxDelayMs < Infinity)) {
    throw new RangeError(`maxDelayMs must be a finite number >= 0, got ${maxDelayMs}`);
  }
  if (!Number.isInteger(retry) || retry < 1) {
    throw new RangeError(`retry must be an integer >= 1, got ${retry}`);
  }
  return Math.round(Math.min(maxDelayMs, initialDelayMs * factor ** (retry - 1)));
}
