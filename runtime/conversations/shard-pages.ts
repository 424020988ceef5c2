/**
 * Which Deno KV page holds which tracker shard: the bookkeeping behind
 * `TRACKER_PAGE_PREFIX` (see `kv-store.ts`). Pure: no I/O, the caller writes and deletes the
 * pages it is told to.
 * @module
 */

/** A shard's key in this bookkeeping: `JSON.stringify([agent, cid])`. */
export function shardPageKey(agent: string, cid: string): string {
  return JSON.stringify([agent, cid]);
}

/** Where a shard's current version is: its own key of an earlier version's form. */
export const OWN_KEY = 0;

/**
 * The pages of tracker shards: each write puts the shards it carries in new pages (one Deno
 * KV key per page, not one per shard); a shard written again or forgotten leaves its older
 * version behind in its page, and a page goes once none of its versions is current. A
 * shard forgotten while a page that is still kept holds an older version of it gets a
 * tombstone (its key with no state) in the new page, so that a restart does not bring it
 * back; the tombstone goes once no kept page holds an older version. {@link cleanable}
 * names the oldest page when the pages kept hold more than twice the current states (a
 * long-lived shard keeping a page alive, and tombstones for the older versions it keeps):
 * the caller writes its current versions again, and the page goes.
 */
export class ShardPages {
  /** Current version of each shard: page (> 0: state, < 0: tombstone) or {@link OWN_KEY}. */
  readonly #where = new Map<string, number>();
  /** Current versions in each page kept. */
  readonly #live = new Map<number, number>();
  /** The shard keys of every version in each page kept, current or not. */
  readonly #holds = new Map<number, string[]>();
  /** Pages kept holding a version of each shard. */
  readonly #copies = new Map<string, number>();
  /** Versions in the pages kept. */
  #stored = 0;
  /** Current states in pages (tombstones and own keys not counted). */
  #states = 0;
  /** The next page's number. */
  next = 1;

  /** Whether the store holds a current version (state or tombstone) of a shard. */
  has(key: string): boolean {
    return this.#where.has(key);
  }

  /** Whether the current version of a shard is its own key (an earlier version's form). */
  isOwnKey(key: string): boolean {
    return this.#where.get(key) === OWN_KEY;
  }

  /** Kept pages holding a version of the shard (forgetting it needs a tombstone if any). */
  copies(key: string): number {
    return this.#copies.get(key) ?? 0;
  }

  /** Pages kept. */
  get pages(): number {
    return this.#holds.size;
  }

  /** Notes a page read back or just written, with the shard keys of its versions. */
  addPage(page: number, keys: string[]): void {
    this.#holds.set(page, keys);
    this.#live.set(page, 0);
    this.#stored += keys.length;
    for (const k of keys) this.#copies.set(k, (this.#copies.get(k) ?? 0) + 1);
    if (page >= this.next) this.next = page + 1;
  }

  /** Makes a version in `page` (`tombstone`: no state) the shard's current one. */
  setCurrent(key: string, page: number, tombstone: boolean): void {
    this.#where.set(key, tombstone ? -page : page);
    this.#live.set(page, (this.#live.get(page) ?? 0) + 1);
    if (!tombstone) this.#states++;
  }

  /** Notes a shard kept under its own key (an earlier version's form). */
  setOwnKey(key: string): void {
    this.#where.set(key, OWN_KEY);
  }

  /**
   * The shard's current version is no longer current (written again or forgotten). Pages
   * that hold no current version any more are added to `gone`; `true` when the current
   * version was under its own key (to be deleted by the caller).
   */
  release(key: string, gone: number[]): boolean {
    const place = this.#where.get(key);
    if (place === undefined) return false;
    this.#where.delete(key);
    if (place === OWN_KEY) return true;
    if (place > 0) this.#states--;
    const page = Math.abs(place);
    const left = (this.#live.get(page) ?? 1) - 1;
    this.#live.set(page, left);
    if (left === 0) this.drop(page, gone);
    return false;
  }

  /**
   * Drops a page (none of its versions current), adding it to `gone`, and with it the
   * tombstones only it made necessary (their pages too, once they hold nothing current).
   */
  drop(page: number, gone: number[]): void {
    const keys = this.#holds.get(page);
    if (keys === undefined) return;
    this.#holds.delete(page);
    this.#live.delete(page);
    this.#stored -= keys.length;
    gone.push(page);
    for (const k of keys) {
      const c = (this.#copies.get(k) ?? 1) - 1;
      if (c === 0) this.#copies.delete(k);
      else this.#copies.set(k, c);
      // A tombstone whose page is the last one holding the shard: nothing left to hide.
      const at = this.#where.get(k);
      if (at !== undefined && at < 0 && c === 1) this.release(k, gone);
    }
  }

  /** Pages kept that hold no current version (after a load). */
  empty(): number[] {
    const out: number[] = [];
    for (const [page, live] of this.#live) if (live === 0) out.push(page);
    return out;
  }

  /**
   * The oldest page, when the pages kept hold more than twice as many versions as current
   * states (and more than `slack` beyond that; tombstones are not counted as current: a
   * chain of pages kept only for tombstones is what cleaning ends), with the shards whose
   * current version it holds (`tombstone`: forgotten); `undefined` otherwise.
   */
  cleanable(
    slack: number,
  ): { page: number; current: [key: string, tombstone: boolean][] } | undefined {
    if (this.#stored <= 2 * this.#states + slack) return undefined;
    const oldest = this.#holds.keys().next();
    if (oldest.done) return undefined;
    const page = oldest.value;
    const current: [string, boolean][] = [];
    for (const k of this.#holds.get(page)!) {
      const at = this.#where.get(k);
      if (at === page || at === -page) current.push([k, at < 0]);
    }
    return { page, current };
  }
}
