/**
 * When each conversation next has a deadline due, and the one timer that fires at the
 * earliest of them.
 * @module
 */
import type { TimerHandle, Timers } from "../async/mod.ts";

/** The longest delay a timer takes (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** How long a deadline the machines would not take waits before it is tried again, ms. */
const RETRY_MS = 1000;

/** What a {@link DeadlineTimer} needs. */
export interface DeadlineTimerOptions {
  /** The timers (`null`: none; the owner calls its tick itself). */
  timers: Timers | null;
  /** Clock, ms since the epoch. */
  now: () => number;
  /** Called when the earliest due time passed; it re-arms with {@link DeadlineTimer.rearm}. */
  fire: () => void;
  /** Told when `fire` threw (the timer is re-armed then). */
  onError?: (e: unknown) => void;
}

/**
 * The due times of the trackers' shards (`agent`, conversation id → ms since the epoch)
 * and one timer armed for the earliest: setting an earlier due time re-arms it at once,
 * later ones wait for {@link rearm} (after each tick). Nothing else is timed here: the
 * owner steps the trackers of the shards {@link dueBy} names.
 *
 * @example
 * ```ts
 * const timer = new DeadlineTimer({ timers, now: Date.now, fire: () => tick() });
 * timer.set("a@p", "c1", Date.parse(replyBy));
 * // in tick(): for (const [agent, cid] of timer.dueBy(now)) ...; timer.rearm();
 * ```
 */
export class DeadlineTimer {
  readonly #due = new Map<string, number>();
  readonly #opts: DeadlineTimerOptions;
  #timer: TimerHandle;
  #timerAt = Infinity;
  #closed = false;

  constructor(opts: DeadlineTimerOptions) {
    this.#opts = opts;
  }

  /** Shards with a due time. */
  get size(): number {
    return this.#due.size;
  }

  /** When the timer fires next, ms since the epoch (`Infinity`: not armed). */
  get armedAt(): number {
    return this.#timerAt;
  }

  /** The due time of a shard, if it has one. */
  get(agent: string, cid: string): number | undefined {
    if (this.#due.size === 0) return undefined;
    return this.#due.get(key(agent, cid));
  }

  /**
   * Notes when a shard next has a deadline due (`undefined`: none), and arms the timer
   * for it when it is earlier than the one armed.
   */
  set(agent: string, cid: string, due: number | undefined): void {
    // Most conversations never have a deadline: no key to build to forget none.
    if (due === undefined && this.#due.size === 0) return;
    const k = key(agent, cid);
    if (due === undefined) this.#due.delete(k);
    else this.#due.set(k, due);
    if (due !== undefined && due < this.#timerAt) this.#arm(false, due);
  }

  /** Forgets a shard's due time. */
  delete(agent: string, cid: string): void {
    if (this.#due.size === 0) return;
    this.#due.delete(key(agent, cid));
  }

  /** The shards due by `nowMs`, as `[agent, cid]`. */
  dueBy(nowMs: number): [string, string][] {
    const out: [string, string][] = [];
    for (const [k, due] of this.#due) if (due <= nowMs) out.push(split(k));
    return out;
  }

  /**
   * A shard still due by `nowMs` after its step (a deadline the machines would not take)
   * waits a second more, so that it cannot spin the timer.
   */
  postpone(agent: string, cid: string, nowMs: number): void {
    const k = key(agent, cid);
    const again = this.#due.get(k);
    if (again !== undefined && again <= nowMs) this.#due.set(k, nowMs + RETRY_MS);
  }

  /** Arms the timer for the earliest due time of all. */
  rearm(): void {
    this.#arm(true);
  }

  /** Stops the timer for good. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#opts.timers?.clear(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  /** (Re)arms the timer for the earliest due time (`full`: rescan everything). */
  #arm(full: boolean, due?: number): void {
    const timers = this.#opts.timers;
    if (timers === null || this.#closed) return;
    let at = due ?? Infinity;
    if (full) { for (const d of this.#due.values()) at = Math.min(at, d); }
    if (!full && at >= this.#timerAt) return;
    if (this.#timer !== undefined) timers.clear(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (!Number.isFinite(at)) return;
    const ms = Math.min(MAX_TIMER_MS, Math.max(0, at - this.#opts.now() + 1));
    this.#timer = timers.set(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      try {
        this.#opts.fire();
      } catch (e) {
        this.#opts.onError?.(e);
        this.#arm(true);
      }
    }, ms);
  }
}

function key(agent: string, cid: string): string {
  return `${agent}\u0000${cid}`;
}

function split(k: string): [string, string] {
  const i = k.indexOf("\u0000");
  return [k.slice(0, i), k.slice(i + 1)];
}
