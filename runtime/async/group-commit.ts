import { type TimerHandle, type Timers, UNREF_TIMERS } from "./timers.ts";

/** Options of a {@link GroupCommit}. */
export interface GroupCommitOptions {
  /**
   * How long a write waits after the first change it will carry (default 0: it starts as
   * soon as the write under way ended). Each commit has a fixed cost (a Deno KV commit
   * costs about 0.4 ms of CPU and a sync to disk whatever it holds), so under load a few
   * milliseconds of waiting let one commit carry many changes. {@link GroupCommit.flush}
   * does not wait.
   */
  lingerMs?: number;
  /** The timers the linger uses (default: unref'd real ones). */
  timers?: Timers;
}

/**
 * Writes what changed soon after it changed, one write at a time: {@link soon} after each
 * change queues one write (however many changes come before it starts), which takes all
 * the changes there are by then (a group commit); {@link flush} waits for everything so far.
 * A failed write is reported to `onError` and the next change writes again. With
 * `lingerMs`, a queued write first waits that long for more changes.
 *
 * @example
 * ```ts
 * const commit = new GroupCommit(() => store.write(takeChanges()), (e) => log.error(e));
 * history.add(entry);
 * commit.soon();
 * await commit.flush();
 * ```
 */
export class GroupCommit {
  #chain: Promise<void> = Promise.resolve();
  #queued = false;
  /** The linger of the queued write, while it waits. */
  #timer: TimerHandle | undefined;
  readonly #lingerMs: number;
  readonly #timers: Timers;

  constructor(
    readonly write: () => Promise<void>,
    readonly onError: (e: unknown) => void,
    opts: GroupCommitOptions = {},
  ) {
    const linger = opts.lingerMs ?? 0;
    if (!(linger >= 0)) throw new RangeError(`lingerMs must be >= 0, got ${linger}`);
    this.#lingerMs = linger;
    this.#timers = opts.timers ?? UNREF_TIMERS;
  }

  /** Queues a write after the one under way, unless one is queued already. */
  soon(): void {
    if (this.#queued) return;
    this.#queued = true;
    if (this.#lingerMs === 0) {
      this.#enqueue();
      return;
    }
    this.#timer = this.#timers.set(() => {
      this.#timer = undefined;
      this.#enqueue();
    }, this.#lingerMs);
  }

  #enqueue(): void {
    this.#chain = this.#chain.then(async () => {
      this.#queued = false;
      try {
        await this.write();
      } catch (e) {
        this.onError(e);
      }
    });
  }

  /** Resolves once every change so far is written (a lingering write starts now). */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) {
      this.#timers.clear(this.#timer);
      this.#timer = undefined;
      this.#enqueue();
    } else this.soon();
    await this.#chain;
  }
}
