/**
 * Coarse timeouts for many short waits, with one timer per time slot instead of one per wait.
 * @module
 */
import { REAL_TIMERS, type TimerHandle, type Timers } from "./timers.ts";

/** How wide a slot is by default, ms: a timeout fires at most this much late. */
export const DEFAULT_SLOT_MS = 8;

/** A timeout set with {@link TimeoutSlots.add}: its slot (ms on the clock) and what it calls. */
export interface SlotTimeout {
  /** The end of the slot it fires in, on the {@link TimeoutSlots}' clock. */
  readonly at: number;
  /** Called once when the slot's time came, unless cancelled first. */
  readonly fire: () => void;
}

interface Slot {
  timer: TimerHandle;
  waits: Set<SlotTimeout>;
}

/**
 * Timeouts grouped by when they fire: a timeout of `ms` joins the slot that ends at or after
 * `now + ms` (slots are `slotMs` wide), so it never fires early and at most `slotMs` late.
 * A slot holds one timer, set when its first timeout joins and cleared when its last one is
 * cancelled: thousands of waits that mostly end before their timeout (a send-and-wait under
 * load) cost a few timers per slot, not a `setTimeout` and a `clearTimeout` each.
 *
 * @example
 * ```ts
 * const slots = new TimeoutSlots();
 * const t = slots.add(() => console.log("timed out"), 30_000);
 * // the wait ended first:
 * slots.cancel(t);
 * ```
 */
export class TimeoutSlots {
  readonly #slots = new Map<number, Slot>();
  readonly #timers: Timers;
  readonly #now: () => number;
  readonly #slotMs: number;

  /**
   * @param opts `timers` (default: the global ones, which keep the process alive while a
   *   timeout is pending); `now` (ms, default `Date.now`: it only aligns the slots, each
   *   timer's delay is relative; `ManualTimers.now` in tests); `slotMs` (default
   *   {@link DEFAULT_SLOT_MS}).
   */
  constructor(opts: { timers?: Timers; now?: () => number; slotMs?: number } = {}) {
    this.#timers = opts.timers ?? REAL_TIMERS;
    this.#now = opts.now ?? Date.now;
    this.#slotMs = opts.slotMs ?? DEFAULT_SLOT_MS;
    if (!(this.#slotMs >= 1)) throw new RangeError(`slotMs must be >= 1, got ${opts.slotMs}`);
  }

  /** Timeouts pending (added, neither fired nor cancelled). */
  get size(): number {
    let n = 0;
    for (const s of this.#slots.values()) n += s.waits.size;
    return n;
  }

  /** Slots with a timer set. */
  get slots(): number {
    return this.#slots.size;
  }

  /** Calls `fire` once, `ms` from now or at most `slotMs` later, unless {@link cancel}led. */
  add(fire: () => void, ms: number): SlotTimeout {
    const now = this.#now();
    const at = Math.ceil((now + Math.max(0, ms)) / this.#slotMs) * this.#slotMs;
    const t: SlotTimeout = { at, fire };
    const slot = this.#slots.get(at);
    if (slot !== undefined) {
      slot.waits.add(t);
      return t;
    }
    const waits = new Set([t]);
    this.#slots.set(at, { waits, timer: this.#timers.set(() => this.#fire(at), at - now) });
    return t;
  }

  /** Cancels a timeout (fired or cancelled ones are ignored); an emptied slot's timer goes. */
  cancel(t: SlotTimeout): void {
    const slot = this.#slots.get(t.at);
    if (slot === undefined || !slot.waits.delete(t) || slot.waits.size > 0) return;
    this.#timers.clear(slot.timer);
    this.#slots.delete(t.at);
  }

  #fire(at: number): void {
    const slot = this.#slots.get(at);
    if (slot === undefined) return;
    this.#slots.delete(at);
    let failure: { error: unknown } | undefined;
    for (const t of slot.waits) {
      try {
        t.fire();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}
