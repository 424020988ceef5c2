/**
 * A token bucket: `burst` tokens at most, refilled at `ratePerSecond`. Pure: the caller
 * passes the current time, so tests drive it without a clock. A rate of 0 never refills
 * and a burst of 0 never allows anything (the sandbox's `send_rate`/`send_burst` may be 0).
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
    if (!(opts.ratePerSecond >= 0 && opts.ratePerSecond < Infinity)) {
      throw new RangeError(`ratePerSecond must be a finite number >= 0, got ${opts.ratePerSecond}`);
    }
    if (!(opts.burst >= 0 && opts.burst < Infinity)) {
      throw new RangeError(`burst must be a finite number >= 0, got ${opts.burst}`);
    }
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
   * long until `n` are available (`Infinity` when they never will be).
   */
  take(nowMs: number, n = 1): { allowed: boolean; remaining: number; retryAfterMs: number } {
    this.#refill(nowMs);
    if (this.#tokens >= n) {
      this.#tokens -= n;
      return { allowed: true, remaining: Math.floor(this.#tokens), retryAfterMs: 0 };
    }
    const missing = n - this.#tokens;
    if (n > this.opts.burst || this.opts.ratePerSecond === 0) {
      return { allowed: false, remaining: Math.floor(this.#tokens), retryAfterMs: Infinity };
    }
    return {
      allowed: false,
      remaining: Math.floor(this.#tokens),
      retryAfterMs: Math.ceil((missing / this.opts.ratePerSecond) * 1000),
    };
  }

  /** Milliseconds until the bucket is full again. */
  msUntilFull(nowMs: number): number {
    this.#refill(nowMs);
    if (this.#tokens >= this.opts.burst) return 0;
    if (this.opts.ratePerSecond === 0) return Infinity;
    return Math.ceil(((this.opts.burst - this.#tokens) / this.opts.ratePerSecond) * 1000);
  }

  /** Whether the bucket is full (an idle bucket that can be forgotten). */
  isFull(nowMs: number): boolean {
    this.#refill(nowMs);
    return this.#tokens >= this.opts.burst;
  }
}
