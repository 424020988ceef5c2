/**
 * One agent's storage shared by two instances of it (the running version and the second
 * instance a deployment starts beside it): one map the node holds, and turns. Each instance
 * keeps a copy of the storage in its Worker (the agent reads it synchronously), so the
 * instances take turns: calls of one instance run (pipelined, in its Worker's order) only
 * while no call of the other is under way, in the order they asked (FIFO, so neither
 * starves). What one instance wrote is handed to the other with its next call (a patch),
 * before that call runs, so each call reads every write that came before it and no write is
 * overwritten by a stale copy. Pure: no timers, no I/O (turns are promises).
 * @module
 */

/** Storage writes (last value of each key) and deletions, as a Worker applies them. */
export interface StoragePatch {
  set: [string, Uint8Array][];
  del: string[];
}

interface Waiter {
  member: object;
  grant(): void;
}

/** The storage of an agent shared by its instances, and their turns. */
export class SharedStorage {
  /** The node's view of the agent's storage (what every member's handle shows). */
  readonly entries: Map<string, Uint8Array>;
  /** Writes each member has not seen yet (made by the others since its last turn). */
  readonly #unseen = new Map<object, Map<string, Uint8Array | null>>();
  readonly #queue: Waiter[] = [];
  #owner?: object;
  #active = 0;

  constructor(entries: Map<string, Uint8Array>) {
    this.entries = entries;
  }

  /** How many instances share the storage. */
  get members(): number {
    return this.#unseen.size;
  }

  /** `member` shares the storage from now on (it holds {@link entries} as they are now). */
  join(member: object): void {
    if (!this.#unseen.has(member)) this.#unseen.set(member, new Map());
  }

  /**
   * `member` has `calls` calls under way that started before it joined: they count as its
   * turns (each ends with {@link exit}).
   */
  adopt(member: object, calls: number): void {
    if (calls <= 0) return;
    if (this.#active > 0 && this.#owner !== member) {
      throw new RangeError("adopt: calls: another member's turns are under way");
    }
    this.#owner = member;
    this.#active += calls;
  }

  /** `member` is gone: its turns, its place in the queue and its unseen writes go. */
  leave(member: object): void {
    this.#unseen.delete(member);
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      if (this.#queue[i].member === member) this.#queue.splice(i, 1);
    }
    if (this.#owner === member) {
      this.#active = 0;
      this.#owner = undefined;
    }
    this.#dispatch();
  }

  /**
   * Asks for a turn of `member`: `grant` is called (synchronously, at once or from the
   * {@link exit} or {@link leave} that frees the turn) once its call may run; turns are
   * granted in the order they were asked, so a member's calls are sent in that order. A
   * member that is not (or no longer) joined is never granted one (its calls end otherwise).
   */
  enter(member: object, grant: () => void): void {
    this.#queue.push({ member, grant });
    this.#dispatch();
  }

  /**
   * The writes `member` has not seen, cleared (it applies them before its call runs); call
   * once a turn is granted.
   */
  take(member: object): StoragePatch | undefined {
    const unseen = this.#unseen.get(member);
    if (!unseen || unseen.size === 0) return undefined;
    const patch: StoragePatch = { set: [], del: [] };
    for (const [k, v] of unseen) v ? patch.set.push([k, v]) : patch.del.push(k);
    unseen.clear();
    return patch;
  }

  /** `member` wrote `key` (`null`: deleted it) in a call of its turn. */
  wrote(member: object, key: string, value: Uint8Array | null): void {
    if (!this.#unseen.has(member)) return; // a member that left: its writes are dropped
    if (value) this.entries.set(key, value);
    else this.entries.delete(key);
    for (const [other, unseen] of this.#unseen) if (other !== member) unseen.set(key, value);
  }

  /** A call of `member`'s turn ended (its writes were reported with {@link wrote}). */
  exit(member: object): void {
    if (this.#owner !== member || this.#active === 0) return;
    this.#active--;
    if (this.#active === 0) this.#owner = undefined;
    this.#dispatch();
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const w = this.#queue[0];
      if (!this.#unseen.has(w.member)) {
        this.#queue.shift();
        continue;
      }
      if (this.#active > 0 && this.#owner !== w.member) return;
      this.#queue.shift();
      this.#owner = w.member;
      this.#active++;
      w.grant();
    }
  }
}
