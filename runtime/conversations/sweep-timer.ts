/**
 * The timer of the conversation service's sweep.
 * @module
 */
import type { TimerHandle, Timers } from "../async/mod.ts";

/**
 * Runs `sweep` every `ms` once {@link start}ed, until {@link close}; a sweep that throws is
 * reported to `onError` and the next one still runs.
 *
 * @example
 * ```ts
 * const sweeper = new SweepTimer(timers, 60_000, () => service.sweep());
 * sweeper.start();
 * ```
 */
export class SweepTimer {
  #timer: TimerHandle;
  #closed = false;

  constructor(
    readonly timers: Timers | null,
    readonly ms: number,
    readonly sweep: () => void,
    readonly onError?: (e: unknown) => void,
  ) {}

  /** Starts the timer (again after each sweep); a second start while running does nothing. */
  start(): void {
    if (this.timers === null || this.#closed || this.#timer !== undefined) return;
    this.#timer = this.timers.set(() => {
      this.#timer = undefined;
      try {
        this.sweep();
      } catch (e) {
        this.onError?.(e);
      }
      this.start();
    }, this.ms);
  }

  /** Stops the timer for good. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.timers?.clear(this.#timer);
    this.#timer = undefined;
  }
}
