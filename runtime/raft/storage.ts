import type { Entry, HardState, PersistedState, Snapshot } from "./messages.ts";

/**
 * Where a Raft node keeps what must survive a crash, and an in-memory implementation for
 * tests and the simulator. `kv-storage.ts` holds the Deno KV implementation.
 * @module
 */

/** What one ready cycle asks to persist (see `Ready` in `node.ts`). */
export interface StorageUpdate {
  /** New term, vote or commit index. */
  hardState?: HardState;
  /** A snapshot installed from the leader: replaces the snapshot and discards the whole log. */
  snapshot?: Snapshot;
  /** Entries that replace any stored entries from `entries[0].index` on. */
  entries: readonly Entry[];
}

/**
 * Durable storage of a Raft node. Methods may be synchronous or return promises; a
 * returned promise resolves once the data is durable.
 */
export interface RaftStorage {
  /** Reads back everything saved (an empty state for a new node). */
  load(): PersistedState | Promise<PersistedState>;
  /** Persists one ready cycle's snapshot, entries and hard state, in that order. */
  save(update: StorageUpdate): void | Promise<void>;
  /**
   * Stores a snapshot taken locally and deletes the entries it covers. Ignored when an
   * equal or newer snapshot is already stored.
   */
  compact(snapshot: Snapshot): void | Promise<void>;
  /**
   * Reads back the stored snapshot (`undefined` when none is stored). A storage that has it
   * lets the node drop the snapshot's bytes from memory once they are stored.
   */
  readSnapshot?(): Snapshot | undefined | Promise<Snapshot | undefined>;
}

/** An empty persisted state: term 0, no vote, no snapshot, no entries. */
export function emptyState(): PersistedState {
  return { hardState: { term: 0, vote: null, commit: 0 }, entries: [] };
}

/**
 * Storage in memory. "Durable" for as long as the object lives, which is what the
 * simulator needs: a simulated crash drops the node but keeps its storage.
 *
 * @example
 * ```ts
 * const storage = new MemoryStorage();
 * const node = new RaftNode({ id: "a" }, storage.load());
 * ```
 */
export class MemoryStorage implements RaftStorage {
  #hard: HardState = { term: 0, vote: null, commit: 0 };
  #snapshot: Snapshot | undefined;
  #entries: Entry[] = [];

  /** @param initial a state to start from (e.g. a founding member's initial configuration) */
  constructor(initial?: PersistedState) {
    if (initial) {
      this.#hard = { ...initial.hardState };
      this.#snapshot = initial.snapshot;
      this.#entries = [...initial.entries];
    }
  }

  /** A copy of the stored state. */
  load(): PersistedState {
    const st: PersistedState = { hardState: { ...this.#hard }, entries: [...this.#entries] };
    if (this.#snapshot) st.snapshot = this.#snapshot;
    return st;
  }

  /** Applies one update synchronously. */
  save(update: StorageUpdate): void {
    if (update.snapshot) {
      this.#snapshot = update.snapshot;
      this.#entries = [];
    }
    if (update.entries.length > 0) {
      const first = update.entries[0].index;
      this.#entries = this.#entries.filter((e) => e.index < first);
      this.#entries.push(...update.entries);
    }
    if (update.hardState) this.#hard = { ...update.hardState };
  }

  /** Stores a local snapshot and drops the entries it covers. */
  compact(snapshot: Snapshot): void {
    if (this.#snapshot && snapshot.meta.index <= this.#snapshot.meta.index) return;
    this.#snapshot = snapshot;
    this.#entries = this.#entries.filter((e) => e.index > snapshot.meta.index);
  }

  /** The stored snapshot. */
  readSnapshot(): Snapshot | undefined {
    return this.#snapshot;
  }

  /** Number of entries held (for tests of compaction). */
  get entryCount(): number {
    return this.#entries.length;
  }
}
