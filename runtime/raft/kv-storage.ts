import type { KvOp } from "../agents/kv-ops.ts";
import { KvWriter } from "../agents/kv-writer.ts";
import { entrySize } from "./log.ts";
import {
  type ConfState,
  type Entry,
  type HardState,
  HardStateSchema,
  type PersistedState,
  type Snapshot,
  SnapshotMetaSchema,
} from "./messages.ts";
import type { RaftStorage, StorageUpdate } from "./storage.ts";
import { z } from "zod";

/**
 * Raft storage in Deno KV. Layout under a key prefix `P` (default `["raft"]`):
 *
 * | key | value |
 * | --- | --- |
 * | `[...P, "hard"]` | `{ term, vote, commit }` |
 * | `[...P, "snap"]` | snapshot metadata `{ index, term, conf, gen, chunks, size, epoch }` |
 * | `[...P, "chunk", gen, i]` | snapshot bytes, in chunks of at most {@link SNAPSHOT_CHUNK_BYTES} |
 * | `[...P, "log", index]` | `{ epoch, entry }` |
 *
 * Every write goes through the connection's group commit (`KvWriter.of(kv)`, shared with the
 * node's other writers of the same KV: the audit trail, agents' records), so a Raft save and,
 * say, an audit record asked for while another commit runs share the next commit and its one
 * sync; each write stays atomic and durable when its promise resolves, and writes asked for
 * one after another are committed in that order. A cycle's entries and hard state are one
 * atomic write when they fit Deno KV's limits (1000 mutations, ~800 KiB); larger cycles are split
 * so that every crash point leaves a valid log: stale entries are deleted before new ones
 * are written, in index order, with the hard state last. A snapshot is written chunk by
 * chunk under a fresh generation and becomes current when its metadata is committed.
 * Installing a leader's snapshot bumps the log *epoch*: entries of an older epoch are
 * ignored (and deleted) on load, so a crash halfway through discarding the old log is safe.
 * @module
 */

/** Largest snapshot chunk stored under one key (Deno KV values are limited to 64 KiB). */
export const SNAPSHOT_CHUNK_BYTES = 60 * 1024;
/** Largest normal entry payload that fits one KV value. */
export const MAX_ENTRY_DATA_BYTES = 60 * 1024;

const MAX_MUTATIONS = 900;
const MAX_BATCH_BYTES = 700 * 1024;
const KEY_OVERHEAD = 64;

const SnapRecordSchema = SnapshotMetaSchema.extend({
  gen: z.number().int().nonnegative(),
  chunks: z.number().int().nonnegative(),
  size: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
});
type SnapRecord = z.infer<typeof SnapRecordSchema>;

interface LogRecord {
  epoch: number;
  entry: Entry;
}

type Mutation = { key: Deno.KvKey; value?: unknown; bytes: number };

/** Options of {@link KvStorage}. */
export interface KvStorageOptions {
  /** Key prefix for everything this node stores; default `["raft"]`. */
  prefix?: Deno.KvKey;
}

/**
 * {@link RaftStorage} on Deno KV.
 *
 * @example
 * ```ts
 * const storage = await KvStorage.open("/var/lib/fipa/raft.kv");
 * const state = await storage.load();
 * // ... run a node, storage.save(...) each ready cycle ...
 * storage.close();
 * ```
 */
export class KvStorage implements RaftStorage {
  readonly #kv: Deno.Kv;
  readonly #owned: boolean;
  readonly #prefix: Deno.KvKey;
  #epoch = 0;
  #gen = 0;
  #snapIndex = 0;
  #lastIndex = 0;
  #loaded = false;

  /**
   * Wraps an open KV handle (not closed by {@link close}). Call {@link load} before saving.
   */
  constructor(kv: Deno.Kv, options: KvStorageOptions = {}, owned = false) {
    this.#kv = kv;
    this.#owned = owned;
    this.#prefix = options.prefix ?? ["raft"];
  }

  /** Opens (or creates) a KV file at `path` and owns it: {@link close} closes it. */
  static async open(path?: string, options: KvStorageOptions = {}): Promise<KvStorage> {
    return new KvStorage(await Deno.openKv(path), options, true);
  }

  /** Closes the KV handle if this storage opened it. */
  close(): void {
    if (this.#owned) this.#kv.close();
  }

  #key(...parts: Deno.KvKeyPart[]): Deno.KvKey {
    return [...this.#prefix, ...parts];
  }

  /** Reads the stored state, cleaning up what a crash may have left behind. */
  async load(): Promise<PersistedState> {
    const hardRaw = (await this.#kv.get(this.#key("hard"))).value;
    const hardState: HardState = hardRaw === null
      ? { term: 0, vote: null, commit: 0 }
      : HardStateSchema.parse(hardRaw);
    const snapRaw = (await this.#kv.get(this.#key("snap"))).value;
    let snapshot: Snapshot | undefined;
    if (snapRaw !== null) {
      const rec = SnapRecordSchema.parse(snapRaw);
      this.#epoch = rec.epoch;
      this.#gen = rec.gen;
      this.#snapIndex = rec.index;
      snapshot = {
        meta: { index: rec.index, term: rec.term, conf: rec.conf },
        data: await this.#readChunks(rec),
      };
      await this.#deleteAll(
        { prefix: this.#key("chunk") },
        (k) => k[this.#prefix.length + 1] === rec.gen,
      );
    }
    const entries: Entry[] = [];
    const stale: Deno.KvKey[] = [];
    for await (const item of this.#kv.list<LogRecord>({ prefix: this.#key("log") })) {
      const index = item.key[item.key.length - 1] as number;
      const rec = item.value;
      const expected = this.#snapIndex + 1 + entries.length;
      if (rec.epoch === this.#epoch && index === expected && rec.entry.index === index) {
        entries.push(rec.entry);
      } else {
        stale.push(item.key);
      }
    }
    await this.#commitBatches(stale.map((key) => ({ key, bytes: KEY_OVERHEAD })));
    this.#lastIndex = this.#snapIndex + entries.length;
    this.#loaded = true;
    const state: PersistedState = { hardState, entries };
    if (snapshot) state.snapshot = snapshot;
    return state;
  }

  /** Persists one ready cycle: snapshot (discarding the log), entries, hard state. */
  async save(update: StorageUpdate): Promise<void> {
    this.#assertLoaded();
    if (update.snapshot) await this.#installSnapshot(update.snapshot);
    const writes: Mutation[] = [];
    let deletes: Mutation[] = [];
    const first = update.entries[0]?.index;
    const last = update.entries.at(-1)?.index;
    if (first !== undefined && last !== undefined) {
      if (first <= this.#snapIndex) {
        throw new RangeError(`raft kv: entry ${first} is at or before snapshot ${this.#snapIndex}`);
      }
      for (let i = first; i <= this.#lastIndex; i++) {
        deletes.push({ key: this.#key("log", i), bytes: KEY_OVERHEAD });
      }
      for (const entry of update.entries) {
        if (entry.type === "normal" && entry.data.length > MAX_ENTRY_DATA_BYTES) {
          throw new RangeError(
            `raft kv: entry ${entry.index} holds ${entry.data.length} bytes (max ${MAX_ENTRY_DATA_BYTES})`,
          );
        }
        const value: LogRecord = { epoch: this.#epoch, entry };
        writes.push({
          key: this.#key("log", entry.index),
          value,
          bytes: entrySize(entry) + KEY_OVERHEAD,
        });
      }
    }
    if (update.hardState) {
      writes.push({ key: this.#key("hard"), value: update.hardState, bytes: 128 });
    }
    if (fitsOneBatch([...deletes, ...writes])) {
      // One atomic commit: overwritten keys need no delete, only the stale tail does.
      deletes = deletes.filter((d) => (d.key[d.key.length - 1] as number) > last!);
    } else {
      // Several commits: drop the whole replaced range first, so that no crash point leaves
      // an old entry after a new one; then write in index order, hard state last.
      await this.#commitBatches(deletes);
      deletes = [];
    }
    await this.#commitBatches([...deletes, ...writes]);
    if (last !== undefined) this.#lastIndex = last;
  }

  /**
   * Reads back the current snapshot, metadata and bytes. Rejects if a compaction replaced it
   * while it was being read (its chunks are gone); the caller may try again.
   */
  async readSnapshot(): Promise<Snapshot | undefined> {
    this.#assertLoaded();
    const raw = (await this.#kv.get(this.#key("snap"))).value;
    if (raw === null) return undefined;
    const rec = SnapRecordSchema.parse(raw);
    return {
      meta: { index: rec.index, term: rec.term, conf: rec.conf },
      data: await this.#readChunks(rec),
    };
  }

  /** Stores a local snapshot and deletes the log entries it covers. */
  async compact(snapshot: Snapshot): Promise<void> {
    this.#assertLoaded();
    if (snapshot.meta.index <= this.#snapIndex) return;
    const oldGen = this.#gen;
    await this.#writeSnapshot(snapshot, this.#epoch);
    await this.#deleteAll({ prefix: this.#key("chunk", oldGen) });
    await this.#deleteAll({
      prefix: this.#key("log"),
      end: this.#key("log", snapshot.meta.index + 1),
    });
  }

  #assertLoaded(): void {
    if (!this.#loaded) throw new Error("raft kv: call load() before writing");
  }

  async #installSnapshot(snapshot: Snapshot): Promise<void> {
    const oldGen = this.#gen;
    await this.#writeSnapshot(snapshot, this.#epoch + 1);
    await this.#deleteAll({ prefix: this.#key("chunk", oldGen) });
    await this.#deleteAll({ prefix: this.#key("log") });
    this.#lastIndex = snapshot.meta.index;
  }

  /** Writes the chunks under a new generation, then commits the metadata that points at it. */
  async #writeSnapshot(snapshot: Snapshot, epoch: number): Promise<void> {
    const gen = this.#gen + 1;
    await this.#deleteAll({ prefix: this.#key("chunk", gen) }); // left by a crashed attempt
    const { data, meta } = snapshot;
    const chunks: Mutation[] = [];
    for (let off = 0, i = 0; off < data.length; off += SNAPSHOT_CHUNK_BYTES, i++) {
      const chunk = data.slice(off, off + SNAPSHOT_CHUNK_BYTES);
      chunks.push({
        key: this.#key("chunk", gen, i),
        value: chunk,
        bytes: chunk.length + KEY_OVERHEAD,
      });
    }
    await this.#commitBatches(chunks);
    const rec: SnapRecord = {
      index: meta.index,
      term: meta.term,
      conf: { voters: [...meta.conf.voters], learners: [...meta.conf.learners] } as ConfState,
      gen,
      chunks: chunks.length,
      size: data.length,
      epoch,
    };
    const res = await KvWriter.of(this.#kv).commit({
      ops: [{ key: this.#key("snap"), value: rec }],
    });
    if (!res.ok) throw new Error(`raft kv: snapshot metadata commit of generation ${gen} failed`);
    this.#gen = gen;
    this.#epoch = epoch;
    this.#snapIndex = meta.index;
  }

  async #readChunks(rec: SnapRecord): Promise<Uint8Array> {
    const data = new Uint8Array(rec.size);
    let off = 0;
    for await (const item of this.#kv.list<Uint8Array>({ prefix: this.#key("chunk", rec.gen) })) {
      const i = item.key[item.key.length - 1] as number;
      if (i !== Math.floor(off / SNAPSHOT_CHUNK_BYTES) || off + item.value.length > rec.size) {
        throw new Error(`raft kv: snapshot generation ${rec.gen} has a bad chunk ${i}`);
      }
      data.set(item.value, off);
      off += item.value.length;
    }
    if (off !== rec.size) {
      throw new Error(`raft kv: snapshot generation ${rec.gen} is incomplete (${off}/${rec.size})`);
    }
    return data;
  }

  /** Deletes the keys `selector` lists (and `keep` does not keep). */
  async #deleteAll(
    selector: Deno.KvListSelector,
    keep: (key: Deno.KvKey) => boolean = () => false,
  ): Promise<void> {
    const keys: Mutation[] = [];
    for await (const item of this.#kv.list(selector)) {
      if (!keep(item.key)) keys.push({ key: item.key, bytes: KEY_OVERHEAD });
    }
    await this.#commitBatches(keys);
  }

  /**
   * Commits mutations in as few atomic writes as Deno KV's limits allow, in order, each
   * through the connection's group commit (it may share a commit with other writers' writes).
   */
  async #commitBatches(muts: readonly Mutation[]): Promise<void> {
    const writer = KvWriter.of(this.#kv);
    let ops: KvOp[] = [];
    let bytes = 0;
    const flush = async () => {
      if (ops.length === 0) return;
      const n = ops.length;
      const res = await writer.commit({ ops });
      if (!res.ok) throw new Error(`raft kv: atomic commit of ${n} mutations failed`);
      ops = [];
      bytes = 0;
    };
    for (const m of muts) {
      if (ops.length > 0 && (ops.length + 1 > MAX_MUTATIONS || bytes + m.bytes > MAX_BATCH_BYTES)) {
        await flush();
      }
      // `bytes`: the size is known, so the group commit's sizing does not serialize the value.
      ops.push(
        m.value === undefined ? { key: m.key } : { key: m.key, value: m.value, bytes: m.bytes },
      );
      bytes += m.bytes;
    }
    await flush();
  }
}

function fitsOneBatch(muts: readonly Mutation[]): boolean {
  let bytes = 0;
  for (const m of muts) bytes += m.bytes;
  return muts.length <= MAX_MUTATIONS && bytes <= MAX_BATCH_BYTES;
}
