import type { CheckpointDelta, HeldSend } from "../sandbox/mod.ts";
import type { HandledMark } from "./checkpoint-store.ts";

/** The timer functions a {@link Checkpointer} uses (injected, so tests drive time). */
export interface CheckpointTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

/** At most this many at-least-once handlings are covered by one checkpoint. */
export const MAX_CHECKPOINT_BATCH = 256;

/** Default of {@link CheckpointerOptions.intervalMs}: 1 s. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 1000;

/** What a {@link Checkpointer} drives. */
export interface CheckpointerOptions {
  /** Takes the agent's changes at its next message boundary. */
  take(): Promise<CheckpointDelta>;
  /** Makes them durable with the marks of the handlings they cover. */
  commit(delta: CheckpointDelta, marks: HandledMark[]): Promise<void>;
  /** Sends what handlings the checkpoint covers sent (the output gate opens). */
  release(held: HeldSend[]): void;
  /** A checkpoint could not be taken or committed: the agent cannot go on from here. */
  failed(error: Error): void;
  timers: CheckpointTimers;
  /**
   * How long changes of at-most-once handlings may wait for a checkpoint (what a crash may
   * lose of them). Default {@link DEFAULT_CHECKPOINT_INTERVAL_MS}.
   */
  intervalMs?: number;
}

interface Waiter {
  mark?: HandledMark;
  /** The handling: resolves with what it sent (held back), rejects if it failed. */
  handled: Promise<HeldSend[]>;
  resolve(): void;
  reject(e: Error): void;
}

/**
 * Group commit of one agent's checkpoints. An at-least-once handling waits (with the
 * messages it sent held back) until a checkpoint that covers it is durable; while one
 * checkpoint commits, the handlings that finish meanwhile gather for the next, so a busy
 * agent pays one checkpoint per batch, not per message. Other handlings only schedule a
 * checkpoint within `intervalMs`. One checkpoint runs at a time.
 */
export class Checkpointer {
  readonly #waiting: Waiter[] = [];
  #running?: Promise<void>;
  #dirty = false;
  #timer?: unknown;
  #closed?: Error;
  readonly #interval: number;

  constructor(readonly opts: CheckpointerOptions) {
    const ms = opts.intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`checkpoint intervalMs must be a finite number >= 0, got ${ms}`);
    }
    this.#interval = ms;
  }

  /**
   * An at-least-once handling was just handed to the agent (call this in the same tick, so
   * that every checkpoint taken from now on comes after it in the agent's call order):
   * resolves once a checkpoint covering it (and its mark) is durable, after the messages it
   * sent were released; rejects with the handling's error if it failed.
   */
  durable(mark: HandledMark | undefined, handled: Promise<HeldSend[]>): Promise<void> {
    if (this.#closed) {
      handled.catch(() => {});
      return Promise.reject(this.#closed);
    }
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    handled.catch(() => {}); // observed in the loop
    this.#waiting.push({ mark, handled, resolve, reject });
    this.#kick();
    return promise;
  }

  /** Some other handling changed the agent: a checkpoint follows within the interval. */
  touched(): void {
    if (this.#closed) return;
    this.#dirty = true;
    if (this.#timer !== undefined || this.#running) return;
    this.#timer = this.opts.timers.setTimeout(() => {
      this.#timer = undefined;
      this.#kick();
    }, this.#interval);
  }

  /** Takes a checkpoint now (and waits for any running one). */
  async flush(): Promise<void> {
    if (this.#closed) throw this.#closed;
    this.#dirty = true;
    await this.durable(undefined, Promise.resolve([]));
  }

  /** Whether changes wait for a checkpoint. */
  get pending(): boolean {
    return this.#dirty || this.#waiting.length > 0 || this.#running !== undefined;
  }

  /** Stops: waiting handlings reject with `reason` (they were not made durable). */
  /**
   * Resolves once the checkpoint being taken or committed now (if any) has ended, committed
   * or not: what the store holds is then final, even after {@link close}.
   */
  idle(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  close(reason: Error): void {
    if (this.#closed) return;
    this.#closed = reason;
    if (this.#timer !== undefined) this.opts.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const w of this.#waiting.splice(0)) w.reject(reason);
  }

  #kick(): void {
    if (this.#running || this.#closed) return;
    if (this.#timer !== undefined) {
      this.opts.timers.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#running = this.#loop().finally(() => (this.#running = undefined));
  }

  async #loop(): Promise<void> {
    while (!this.#closed && (this.#waiting.length > 0 || this.#dirty)) {
      const batch = this.#waiting.splice(0, MAX_CHECKPOINT_BATCH);
      this.#dirty = false;
      let results: PromiseSettledResult<HeldSend[]>[];
      try {
        const delta = await this.opts.take();
        // Every handling of the batch came before the take in the agent's call order, so it
        // has settled; only those that succeeded count as handled.
        results = await Promise.allSettled(batch.map((w) => w.handled));
        const marks = batch.flatMap((w, i) =>
          w.mark && results[i].status === "fulfilled" ? [w.mark] : []
        );
        await this.opts.commit(delta, marks);
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        for (const w of batch) w.reject(err);
        this.close(err);
        this.opts.failed(err);
        return;
      }
      batch.forEach((w, i) => {
        const r = results[i];
        if (r.status === "rejected") {
          w.reject(r.reason instanceof Error ? r.reason : new Error(String(r.reason)));
          return;
        }
        if (r.value.length) this.opts.release(r.value);
        w.resolve();
      });
    }
  }
}
