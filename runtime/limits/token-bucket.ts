/**
 * A token bucket: `burst` tokens at most, refilled at `ratePerSecond`. Pure: the caller
 * passes the current time, so tests drive it without a clock.
 *
 * @example
 * ```ts
 * const b = new TokenBucket({ ratePerSecond: 10, burst: 20 }, 0);
 * b.take(0).allowed; // true (19 left)
 * ```
 */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(readonly opts: { ratePerSecond: number; burst: number }, nowMs: number) {
    if (!(opts.ratePerSecond > 0)) {
      throw new RangeError(`ratePerSecond must be > 0, got ${opts.ratePerSecond}`);
    }
    if (!(opts.burst >= 1)) throw new RangeError(`burst must be >= 1, got ${opts.burst}`);
    this.#tokens = opts.burst;
    this.#last = nowMs;
  }

  #refill(nowMs: number): void {
    if (nowMs > this.#last) {
      this.#tokens = Math.min(
        this.opts.burst,
        this.#tokens + ((nowMs - this.#last) / 1000) * this.opts.ratePerSecond,
      );
      this.#last = nowMs;
    }
  }

  /**
   * Takes `n` tokens if there are enough. Says how many remain and, when refused, how
   * long until `n` are available.
   */
  take(nowMs: number, n = 1): { allowed: boolean; remaining: number; retryAfterMs: number } {
    this.#refill(nowMs);
    if (this.#tokens >= n) {
      this.#tokens -= n;
      return { allowed: true, remaining: Math.floor(this.#tokens), retryAfterMs: 0 };
    }
    const missing = n - this.#tokens;
    return {
      allowed: false,
      remaining: Math.floor(this.#tokens),
      retryAfterMs: Math.ceil((missing / this.opts.ratePerSecond) * 1000),
    };
  }

  /** Milliseconds until the bucket is full again. */
  msUntilFull(nowMs: number): number {
    this.#refill(nowMs);
    return Math.ceil(((this.opts.burst - this.#tokens) / this.opts.ratePerSecond) * 1000);
  }

  /** Whether the bucket is full (an idle bucket that can be forgotten). */
  isFull(nowMs: number): boolean {
    this.#refill(nowMs);
    return this.#tokens >= this.opts.burst;
  }
}
