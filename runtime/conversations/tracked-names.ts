/**
 * Which local names the conversation guard checks: the node's agents and the platform
 * endpoints that asked to be checked like agents (a task's contract-net initiator).
 * @module
 */

/**
 * The local names whose conversations are checked: agents (as `isAgent` says) and
 * platform endpoints added with {@link add}. A stopped endpoint stays "retired" for a
 * while, so that its tracker can still be viewed; beyond `maxRetired` the oldest retired
 * one is forgotten (`forget` is called with it). No clock, no I/O.
 *
 * @example
 * ```ts
 * const names = new TrackedNames((n) => agents.has(n), (n) => trackers.drop(n));
 * const stop = names.add("task-1");
 * names.isTracked("task-1"); // true
 * stop();
 * names.keeps("task-1");     // true (retired, still viewable)
 * ```
 */
export class TrackedNames {
  readonly #endpoints = new Set<string>();
  readonly #retired = new Set<string>();

  constructor(
    readonly isAgent: (localName: string) => boolean,
    readonly forget: (localName: string) => void,
    readonly maxRetired = 256,
  ) {}

  /** Whether messages of this local name are checked (an agent or a platform endpoint). */
  isTracked(localName: string): boolean {
    return this.#endpoints.has(localName) || this.isAgent(localName);
  }

  /** Whether a tracker of this local name is still wanted (checked, or recently retired). */
  keeps(localName: string): boolean {
    return this.isTracked(localName) || this.#retired.has(localName);
  }

  /** Checks a platform endpoint as if it were an agent; returns the function that stops. */
  add(localName: string): () => void {
    this.#endpoints.add(localName);
    this.#retired.delete(localName);
    return () => {
      if (!this.#endpoints.delete(localName)) return;
      this.#retired.add(localName);
      if (this.#retired.size > this.maxRetired) {
        const oldest = this.#retired.values().next().value!;
        this.#retired.delete(oldest);
        this.forget(oldest);
      }
    };
  }
}
