/** The states of a {@link CircuitBreaker}. */
export type BreakerState = "closed" | "open" | "half-open";

/** Options of a {@link CircuitBreaker}. */
export interface BreakerOptions {
  /** Consecutive failures that open the circuit (default 5). */
  failureThreshold?: number;
  /** How long it stays open before one trial call is let through, ms (default 5000). */
  cooldownMs?: number;
}

/**
 * A circuit breaker for one peer: after `failureThreshold` consecutive failures calls fail
 * fast for `cooldownMs`; then one trial call decides whether it closes again. Pure: the
 * caller passes the time.
 *
 * @example
 * ```ts
 * const b = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1000 });
 * if (b.allow(now)) { try { await call(); b.success(); } catch { b.failure(now); } }
 * ```
 */
export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly cooldownMs: number;
  #state: BreakerState = "closed";
  #failures = 0;
  #openedAt = 0;
  #trial = false;

  constructor(opts: BreakerOptions = {}) {
    this.failureThreshold = opts.failureThreshold ?? 5;
    this.cooldownMs = opts.cooldownMs ?? 5000;
    if (!(this.failureThreshold >= 1)) {
      throw new RangeError(`failureThreshold must be >= 1, got ${this.failureThreshold}`);
    }
    if (!(this.cooldownMs >= 0)) {
      throw new RangeError(`cooldownMs must be >= 0, got ${this.cooldownMs}`);
    }
  }

  /** The state at `nowMs`. */
  state(nowMs: number): BreakerState {
    if (this.#state === "open" && nowMs - this.#openedAt >= this.cooldownMs) return "half-open";
    return this.#state;
  }

  /** Whether a call may go ahead now (in half-open, only one trial at a time). */
  allow(nowMs: number): boolean {
    const s = this.state(nowMs);
    if (s === "closed") return true;
    if (s === "open") return false;
    if (this.#trial) return false;
    this.#trial = true;
    return true;
  }

  /** A call succeeded: the circuit closes. */
  success(): void {
    this.#state = "closed";
    this.#failures = 0;
    this.#trial = false;
  }

  /** A call failed at `nowMs`. */
  failure(nowMs: number): void {
    this.#trial = false;
    this.#failures++;
    if (this.#state !== "closed" || this.#failures >= this.failureThreshold) {
      this.#state = "open";
      this.#openedAt = nowMs;
    }
  }
}
