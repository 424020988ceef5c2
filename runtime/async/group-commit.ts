/**
 * Writes what changed soon after it changed, one write at a time: {@link soon} after each
 * change queues one write (however many changes come before it starts), which takes all
 * the changes there are by then (a group commit); {@link flush} waits for everything so far.
 * A failed write is reported to `onError` and the next change writes again.
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

  constructor(
    readonly write: () => Promise<void>,
    readonly onError: (e: unknown) => void,
  ) {}

  /** Queues a write after the one under way, unless one is queued already. */
  soon(): void {
    if (this.#queued) return;
    this.#queued = true;
    this.#chain = this.#chain.then(async () => {
      this.#queued = false;
      try {
        await this.write();
      } catch (e) {
        this.onError(e);
      }
    });
  }

  /** Resolves once every change so far is written. */
  async flush(): Promise<void> {
    this.soon();
    await this.#chain;
  }
}
