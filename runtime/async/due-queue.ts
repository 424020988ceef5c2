/**
 * {@link DueQueue}: names ordered by the time each is due, for shells that wait on many
 * (the hibernation scheduler's agents, the durable timers' agents) with one real timer. Pure
 * data structure.
 * @module
 */

/**
 * Names, each with the time (ms since the epoch) it is due next: a binary min-heap with lazy
 * deletion (an entry whose time is no longer its name's is skipped), so watching, taking and
 * peeking cost O(log n) of the names watched, not a walk over all of them.
 *
 * @example
 * ```ts
 * const q = new DueQueue();
 * q.watch("a", 20);
 * q.watch("b", 10);
 * q.next(); // 10
 * q.takeDue(15); // ["b"]
 * ```
 */
export class DueQueue {
  /** Heap of entries; some may be stale (their name's time changed or was forgotten). */
  #heap: { at: number; name: string }[] = [];
  /** Each watched name's current time. */
  readonly #at = new Map<string, number>();

  /** How many names are watched. */
  get size(): number {
    return this.#at.size;
  }

  /** The time `name` is due, if watched. */
  timeOf(name: string): number | undefined {
    return this.#at.get(name);
  }

  /**
   * Makes `name` due at `at` (replacing any other time of it).
   * @throws {RangeError} when `at` is not a number.
   */
  watch(name: string, at: number): void {
    if (Number.isNaN(at)) throw new RangeError(`due time of '${name}' is NaN`);
    if (this.#at.get(name) === at) return;
    this.#at.set(name, at);
    this.#push({ at, name });
    // Stale entries pile up only when names are watched again before their time: rebuild
    // then, so the heap stays within twice the names watched.
    if (this.#heap.length > 2 * this.#at.size + 64) this.#rebuild();
  }

  /** Stops watching `name`. */
  forget(name: string): void {
    this.#at.delete(name);
  }

  /** The earliest time any name is due, or undefined when none is watched. */
  next(): number | undefined {
    this.#dropStale();
    return this.#heap[0]?.at;
  }

  /** Removes and returns the names whose time is at or before `nowMs`, earliest first. */
  takeDue(nowMs: number): string[] {
    const out: string[] = [];
    for (;;) {
      this.#dropStale();
      const top = this.#heap[0];
      if (!top || top.at > nowMs) return out;
      this.#pop();
      this.#at.delete(top.name);
      out.push(top.name);
    }
  }

  #dropStale(): void {
    while (this.#heap.length > 0) {
      const top = this.#heap[0];
      if (this.#at.get(top.name) === top.at) return;
      this.#pop();
    }
  }

  #rebuild(): void {
    this.#heap = [];
    for (const [name, at] of this.#at) this.#push({ at, name });
  }

  #push(e: { at: number; name: string }): void {
    const h = this.#heap;
    let i = h.push(e) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].at <= e.at) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = e;
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && h[r].at < h[l].at ? r : l;
      if (h[c].at >= last.at) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = last;
  }
}
