/**
 * One node's checkpoint timers, coalesced: {@link CoalescedTimers}.
 * @module
 */
import type { CheckpointTimers } from "./checkpointer.ts";

/** Longest a checkpoint may come early for the sake of sharing a timer. */
export const MAX_CHECKPOINT_GRAIN_MS = 100;

/** The grain of a node's checkpoint timers: a tenth of the interval, at most 100 ms. */
export function checkpointGrainMs(intervalMs: number): number {
  return Math.min(MAX_CHECKPOINT_GRAIN_MS, Math.max(0, intervalMs) / 10);
}

/** What {@link CoalescedTimers} runs on: the real timers and clock, or a test's. */
export interface TimerBase extends CheckpointTimers {
  /** Milliseconds, monotonic. */
  now(): number;
}

interface Bucket {
  readonly due: number;
  readonly fns: Set<Entry>;
  timer: unknown;
}

interface Entry {
  readonly fn: () => void;
  readonly bucket: Bucket;
}

/**
 * Timers of many checkpointers that fire together: a timer asked for `ms` from now joins
 * the bucket due at that moment rounded DOWN to a multiple of `grainMs`, and each bucket is
 * one timer of `base` that runs all of its functions in one turn. So a timer never fires
 * later than asked (a checkpoint that is due within the interval is still taken within it,
 * at most `grainMs` earlier), and the checkpoints of a node's ~N busy agents (each touched
 * agent asks for one a second) cost ~1000/`grainMs` timers a second instead of N, and their
 * requests of one turn cross to each sandbox Worker in one post and their commits share
 * Deno KV's group commits. `grainMs` 0: no rounding (timers of the same due time still share).
 */
export class CoalescedTimers implements CheckpointTimers {
  readonly #buckets = new Map<number, Bucket>();

  constructor(readonly grainMs: number, readonly base: TimerBase) {
    if (!Number.isFinite(grainMs) || grainMs < 0) {
      throw new RangeError(`timer grainMs must be a finite number >= 0, got ${grainMs}`);
    }
  }

  /** Runs `fn` at most `ms` from now (at most `grainMs` earlier); returns its id. */
  setTimeout(fn: () => void, ms: number): unknown {
    const now = this.base.now();
    const at = now + Math.max(0, ms);
    const due = this.grainMs > 0 ? Math.max(now, Math.floor(at / this.grainMs) * this.grainMs) : at;
    let bucket = this.#buckets.get(due);
    if (!bucket) {
      const b: Bucket = { due, fns: new Set(), timer: undefined };
      b.timer = this.base.setTimeout(() => this.#fire(b), due - now);
      this.#buckets.set(due, b);
      bucket = b;
    }
    const entry: Entry = { fn, bucket };
    bucket.fns.add(entry);
    return entry;
  }

  /** Cancels the timer `id` (from {@link setTimeout}; one that fired or was cleared: nothing). */
  clearTimeout(id: unknown): void {
    const entry = id as Entry | undefined;
    const bucket = entry?.bucket;
    if (!bucket || !bucket.fns.delete(entry)) return;
    if (bucket.fns.size === 0 && this.#buckets.get(bucket.due) === bucket) {
      this.base.clearTimeout(bucket.timer);
      this.#buckets.delete(bucket.due);
    }
  }

  /** Timers waiting (tests). */
  get size(): number {
    let n = 0;
    for (const b of this.#buckets.values()) n += b.fns.size;
    return n;
  }

  #fire(bucket: Bucket): void {
    if (this.#buckets.get(bucket.due) === bucket) this.#buckets.delete(bucket.due);
    const fns = [...bucket.fns];
    bucket.fns.clear();
    // Every function runs, whatever another threw; the first error is thrown after them.
    let error: { e: unknown } | undefined;
    for (const entry of fns) {
      try {
        entry.fn();
      } catch (e) {
        error ??= { e };
      }
    }
    if (error) throw error.e;
  }
}
