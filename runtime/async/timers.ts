/**
 * One timer interface for every shell that waits (Raft ticks, contract-net deadlines,
 * conversation deadlines), with the real timers and a manual clock for tests.
 * @module
 */

/** An opaque handle of a timer set through {@link Timers}. */
export type TimerHandle = unknown;

/** How a shell sets and clears timers (inject {@link ManualTimers} in tests). */
export interface Timers {
  /** Calls `fn` once after `ms` milliseconds, like `setTimeout`. */
  set(fn: () => void, ms: number): TimerHandle;
  /** Calls `fn` every `ms` milliseconds, like `setInterval`. */
  every(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer from {@link set} or {@link every}; `undefined` and spent handles are ignored. */
  clear(handle: TimerHandle | undefined): void;
}

/** The global timers; they keep the process alive. */
export const REAL_TIMERS: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  every: (fn, ms) => setInterval(fn, ms),
  clear: (h) => {
    if (h !== undefined) clearTimeout(h as number);
  },
};

/** The global timers, unref'd: a pending timer does not keep the process alive. */
export const UNREF_TIMERS: Timers = {
  set(fn, ms) {
    const id = setTimeout(fn, ms);
    Deno.unrefTimer(id);
    return id;
  },
  every(fn, ms) {
    const id = setInterval(fn, ms);
    Deno.unrefTimer(id);
    return id;
  },
  clear: REAL_TIMERS.clear,
};

interface ManualTimer {
  id: number;
  due: number;
  fn: () => void;
  /** Period of an `every` timer. */
  period?: number;
}

/**
 * Timers driven by hand: time stands still until {@link ManualTimers.advance}, which fires
 * every timer due by then in due order (ties in the order they were set), so tests decide
 * exactly when deadlines pass.
 *
 * @example
 * ```ts
 * const timers = new ManualTimers();
 * let fired = false;
 * timers.set(() => fired = true, 200);
 * timers.advance(199); // fired === false
 * timers.advance(1);   // fired === true
 * ```
 */
export class ManualTimers implements Timers {
  #now = 0;
  #seq = 0;
  readonly #timers = new Map<number, ManualTimer>();

  /** Milliseconds advanced so far (usable as an injected clock). */
  now(): number {
    return this.#now;
  }

  /** Timers set and neither fired (one-shot) nor cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  set(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms);
  }

  every(fn: () => void, ms: number): TimerHandle {
    if (!(ms > 0)) throw new RangeError(`interval must be > 0 ms, got ${ms}`);
    return this.#add(fn, ms, ms);
  }

  clear(handle: TimerHandle | undefined): void {
    if (typeof handle === "number") this.#timers.delete(handle);
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in due order. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot advance by ${ms} ms`);
    const until = this.#now + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.#timers.values()) {
        if (
          t.due <= until && (!next || t.due < next.due || (t.due === next.due && t.id < next.id))
        ) {
          next = t;
        }
      }
      if (!next) break;
      this.#now = Math.max(this.#now, next.due);
      if (next.period === undefined) this.#timers.delete(next.id);
      else next.due += next.period;
      next.fn();
    }
    this.#now = until;
  }

  #add(fn: () => void, ms: number, period?: number): number {
    const id = ++this.#seq;
    this.#timers.set(id, { id, due: this.#now + Math.max(0, ms), fn, period });
    return id;
  }
}
