import { EMPTY_CONF } from "./conf.ts";
import type { ConfState, Entry, PersistedState, Snapshot, SnapshotMeta } from "./messages.ts";

/**
 * The in-memory Raft log of one node: the latest snapshot, the entries after it, and the
 * bookkeeping of what is committed, applied, and not yet persisted ("unstable"). Pure: it
 * only changes when its methods are called.
 * @module
 */

/** Rough size of an entry on the wire, for message batching. */
export function entrySize(e: Entry): number {
  return e.type === "normal" ? e.data.length + 48 : 96;
}

/**
 * The `data` of a snapshot whose bytes the log no longer holds ({@link RaftLog.releaseSnapshotData}):
 * a snapshot message carrying it (by identity) must have its bytes read back from storage
 * before it goes out.
 */
export const RELEASED_SNAPSHOT_DATA: Uint8Array = new Uint8Array(0);

/** The last configuration in a log and the index it was set at. */
export interface LastConf {
  /** The configuration. */
  conf: ConfState;
  /** The index of its conf entry, or the snapshot index when it came from the snapshot. */
  index: number;
}

/** A node's log. Entry `i` lives at `entries[i - snapshot.index - 1]`. */
export class RaftLog {
  #snapshot: SnapshotMeta;
  #snapshotData: Uint8Array;
  #entries: Entry[];
  /** Highest index known committed. */
  committed: number;
  /** Highest index handed to the application (or covered by the installed snapshot). */
  applied: number;
  /** Entries from this index on are not persisted yet. */
  unstableFrom: number;
  /** A snapshot received from the leader that the shell has yet to persist and restore. */
  pendingSnapshot: Snapshot | undefined;

  /** Builds the log a node restarts with from its persisted state. */
  constructor(state: PersistedState) {
    const snap = state.snapshot;
    this.#snapshot = snap ? snap.meta : { index: 0, term: 0, conf: EMPTY_CONF };
    this.#snapshotData = snap ? snap.data : new Uint8Array();
    this.#entries = [];
    let expected = this.#snapshot.index + 1;
    for (const e of state.entries) {
      if (e.index < expected) continue;
      if (e.index !== expected) break;
      this.#entries.push(e);
      expected++;
    }
    this.applied = this.#snapshot.index;
    this.committed = Math.min(
      Math.max(state.hardState.commit, this.#snapshot.index),
      this.lastIndex(),
    );
    this.unstableFrom = this.lastIndex() + 1;
    this.pendingSnapshot = undefined;
  }

  /** Metadata of the latest snapshot (index 0 when there is none). */
  get snapshotMeta(): SnapshotMeta {
    return this.#snapshot;
  }

  /**
   * The latest snapshot with its data, as sent to a follower that lags behind it (the data
   * is {@link RELEASED_SNAPSHOT_DATA} once released).
   */
  snapshot(): Snapshot {
    return { meta: this.#snapshot, data: this.#snapshotData };
  }

  /**
   * Drops the latest snapshot's bytes from memory (the shell has them durable and reads them
   * back when a follower needs them): {@link snapshot} then returns
   * {@link RELEASED_SNAPSHOT_DATA} as its data, until the next compaction or restore.
   */
  releaseSnapshotData(): void {
    this.#snapshotData = RELEASED_SNAPSHOT_DATA;
  }

  /** The first index still held as an entry. */
  firstIndex(): number {
    return this.#snapshot.index + 1;
  }

  /** The last index in the log (the snapshot index if no entries follow it). */
  lastIndex(): number {
    return this.#snapshot.index + this.#entries.length;
  }

  /** The term of the last entry. */
  lastTerm(): number {
    return this.term(this.lastIndex())!;
  }

  /** The term at index `i`, or `undefined` if `i` is compacted away or beyond the log. */
  term(i: number): number | undefined {
    if (i === this.#snapshot.index) return this.#snapshot.term;
    const e = this.entry(i);
    return e?.term;
  }

  /** The entry at index `i`, if held. */
  entry(i: number): Entry | undefined {
    if (i <= this.#snapshot.index) return undefined;
    return this.#entries[i - this.#snapshot.index - 1];
  }

  /** True if the log holds index `i` with term `t`. */
  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t;
  }

  /** True if a log ending at (`lastIndex`, `lastTerm`) is at least as up to date as this one. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Entries in [`lo`, `hi`), at most `maxCount` and about `maxBytes` (at least one entry is
   * returned when any is available). `lo` must not be compacted.
   */
  slice(lo: number, hi: number, maxCount = Infinity, maxBytes = Infinity): Entry[] {
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = Math.max(lo, this.firstIndex()); i < hi && i <= this.lastIndex(); i++) {
      const e = this.entry(i)!;
      bytes += entrySize(e);
      if (out.length > 0 && (out.length >= maxCount || bytes > maxBytes)) break;
      out.push(e);
    }
    return out;
  }

  /** The entries not persisted yet. */
  unstableEntries(): Entry[] {
    return this.slice(this.unstableFrom, this.lastIndex() + 1);
  }

  /**
   * Appends `entries` (contiguous, starting at or before `lastIndex() + 1`), replacing
   * whatever the log holds from `entries[0].index` on.
   * @throws {Error} if that would replace a committed entry (a bug, never a peer's fault).
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0].index;
    if (first <= this.committed) {
      throw new Error(`raft: refusing to overwrite committed index ${first} (${this.committed})`);
    }
    if (first > this.lastIndex() + 1) {
      throw new Error(`raft: append at ${first} leaves a gap after ${this.lastIndex()}`);
    }
    this.#entries.length = first - this.#snapshot.index - 1;
    this.#entries.push(...entries);
    this.unstableFrom = Math.min(this.unstableFrom, first);
  }

  /** The index of the first entry in `entries` that conflicts with the log or is new; 0 if none. */
  findConflict(entries: readonly Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * A follower's append: if the log matches at (`prevIndex`, `prevTerm`), adds the new part
   * of `entries` (truncating a conflicting suffix), advances the commit index to at most the
   * last new entry, and returns that last new index. Returns `undefined` on a mismatch.
   */
  maybeAppend(
    prevIndex: number,
    prevTerm: number,
    commit: number,
    entries: readonly Entry[],
  ): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) this.append(entries.slice(conflict - prevIndex - 1));
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /**
   * The largest index `<= index` whose term is `<= term`, with that term (term 0 when the
   * index is compacted). Used on both sides of fast conflict backtracking.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = Math.min(index, this.lastIndex()); i > 0; i--) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
    }
    return { index: 0, term: 0 };
  }

  /** Raises the commit index to `i` (never lowers it, never beyond the log). */
  commitTo(i: number): void {
    if (i > this.committed) this.committed = Math.min(i, this.lastIndex());
  }

  /** Entries committed but not yet handed to the application, at most `maxCount`. */
  nextCommitted(maxCount = Infinity): Entry[] {
    const from = Math.max(this.applied, this.#snapshot.index) + 1;
    return this.slice(from, this.committed + 1, maxCount);
  }

  /** Marks entries up to (`index`, `term`) as persisted, if the log still holds that entry. */
  stableTo(index: number, term: number): void {
    if (index >= this.unstableFrom && this.matchTerm(index, term)) this.unstableFrom = index + 1;
  }

  /** Replaces the whole log with a snapshot received from the leader. */
  restore(snapshot: Snapshot): void {
    this.#snapshot = snapshot.meta;
    this.#snapshotData = snapshot.data;
    this.#entries = [];
    this.committed = snapshot.meta.index;
    this.unstableFrom = snapshot.meta.index + 1;
    this.pendingSnapshot = snapshot;
  }

  /**
   * Drops the entries up to `index` (which must be applied), keeping `data` as the
   * snapshot there. Returns the new snapshot.
   */
  compact(index: number, data: Uint8Array): Snapshot {
    const term = this.term(index);
    if (term === undefined || index > this.applied) {
      throw new RangeError(
        `cannot compact to ${index}: applied ${this.applied}, log [${this.firstIndex()}, ${this.lastIndex()}]`,
      );
    }
    const conf = this.confAt(index);
    this.#entries = this.#entries.slice(index - this.#snapshot.index);
    this.#snapshot = { index, term, conf };
    this.#snapshotData = data;
    this.unstableFrom = Math.max(this.unstableFrom, index + 1);
    return { meta: this.#snapshot, data };
  }

  /** The configuration in force at `index` (the last conf entry at or before it). */
  confAt(index: number): ConfState {
    for (let i = Math.min(index, this.lastIndex()); i > this.#snapshot.index; i--) {
      const e = this.entry(i)!;
      if (e.type === "conf") return e.conf;
    }
    return this.#snapshot.conf;
  }

  /** The latest configuration in the log, committed or not, and where it was set. */
  lastConf(): LastConf {
    for (let i = this.lastIndex(); i > this.#snapshot.index; i--) {
      const e = this.entry(i)!;
      if (e.type === "conf") return { conf: e.conf, index: i };
    }
    return { conf: this.#snapshot.conf, index: this.#snapshot.index };
  }
}
