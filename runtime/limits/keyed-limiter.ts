import { TokenBucket } from "./token-bucket.ts";

/** A rate: `limit` requests per `windowSeconds`, with bursts up to `burst`. */
export interface Rate {
  limit: number;
  windowSeconds: number;
  burst: number;
}

/** The outcome of one check, with what the `X-RateLimit-*` headers report. */
export interface LimitDecision {
  allowed: boolean;
  /** The rate's `limit` per window. */
  limit: number;
  remaining: number;
  /** Epoch seconds at which the bucket is full again. */
  resetEpochSeconds: number;
  /** When refused: seconds to wait (for `Retry-After`). */
  retryAfterSeconds: number;
}

/**
 * One token bucket per key (a client, an agent), created on first use and forgotten once
 * full again, so idle keys cost nothing. Pure: time is passed in.
 */
export class KeyedLimiter {
  readonly #buckets = new Map<string, TokenBucket>();
  #sweepAt = 0;

  constructor(readonly rate: Rate, readonly maxKeys = 100_000) {
    if (!(rate.limit > 0 && rate.windowSeconds > 0 && rate.burst >= 1)) {
      throw new RangeError(`invalid rate ${JSON.stringify(rate)}`);
    }
  }

  /** Takes one token for `key` at time `nowMs`. */
  check(key: string, nowMs: number): LimitDecision {
    if (nowMs >= this.#sweepAt || this.#buckets.size >= this.maxKeys) this.#sweep(nowMs);
    let b = this.#buckets.get(key);
    if (!b) {
      b = new TokenBucket(
        { ratePerSecond: this.rate.limit / this.rate.windowSeconds, burst: this.rate.burst },
        nowMs,
      );
      this.#buckets.set(key, b);
    }
    const r = b.take(nowMs);
    return {
      allowed: r.allowed,
      limit: this.rate.limit,
      remaining: r.remaining,
      resetEpochSeconds: Math.ceil((nowMs + b.msUntilFull(nowMs)) / 1000),
      retryAfterSeconds: Math.ceil(r.retryAfterMs / 1000),
    };
  }

  /** How many keys are tracked. */
  get size(): number {
    return this.#buckets.size;
  }

  #sweep(nowMs: number): void {
    for (const [k, b] of this.#buckets) if (b.isFull(nowMs)) this.#buckets.delete(k);
    // Still too many busy keys: drop the oldest (Map keeps insertion order).
    for (const k of this.#buckets.keys()) {
      if (this.#buckets.size < this.maxKeys) break;
      this.#buckets.delete(k);
    }
    this.#sweepAt = nowMs + 10_000;
  }
}
