/**
 * The search ids a DF served recently, for loop detection in federated search (SC00023
 * `search-id`): an id seen again within `ttlMs` is a search that came back around a cycle
 * of federated DFs. Bounded by count (the oldest go first) and by age. No clock: every call
 * is given `nowMs`.
 *
 * @example
 * ```ts
 * const ids = new SearchIdMemory({ ttlMs: 60_000, max: 10_000 });
 * ids.remember("s1", 0);
 * ids.has("s1", 1000); // true
 * ids.has("s1", 61_000); // false
 * ```
 */
export class SearchIdMemory {
  /** id → when it was remembered; insertion order is age order. */
  readonly #at = new Map<string, number>();

  constructor(readonly limits: { ttlMs: number; max: number }) {
    if (!(limits.max >= 1)) throw new RangeError(`max must be at least 1, not ${limits.max}`);
  }

  /** Whether `id` was remembered less than `ttlMs` before `nowMs`. */
  has(id: string, nowMs: number): boolean {
    this.#expire(nowMs);
    return this.#at.has(id);
  }

  /** Remembers `id` as served at `nowMs`. */
  remember(id: string, nowMs: number): void {
    this.#at.delete(id);
    this.#at.set(id, nowMs);
    while (this.#at.size > this.limits.max) this.#at.delete(this.#at.keys().next().value!);
    this.#expire(nowMs);
  }

  /** Ids remembered now. */
  get size(): number {
    return this.#at.size;
  }

  #expire(nowMs: number): void {
    for (const [id, at] of this.#at) {
      if (nowMs - at < this.limits.ttlMs) return;
      this.#at.delete(id);
    }
  }
}
