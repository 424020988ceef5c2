import type { CheckpointDelta, MemorySnapshot } from "../sandbox/mod.ts";
import { CHECKPOINT_PAGE_BYTES } from "../sandbox/mod.ts";
import { deleteKeys, KvBatch, type KvOp } from "./kv-batch.ts";

/** Largest chunk of one stored value (Deno KV values are limited to 64 KiB). */
export const STORAGE_CHUNK_BYTES = 32 * 1024;

/** The head of an agent's checkpoint: what its pages make up. */
interface Head {
  seq: number;
  hash: string;
  /** Each memory of each core instance, with its length. */
  memories: { inst: number; index: number; length: number }[];
  /** Mutable globals by instance. */
  globals: { inst: number; index: number; value: number | bigint }[];
  instances: number;
}

/** A mark that an at-least-once message was handled, committed with the checkpoint. */
export interface HandledMark {
  receiver: string;
  messageId: string;
}

/** What a checkpoint brings back: the memory (with globals) and the storage, at one point. */
export interface Checkpoint {
  seq: number;
  memory: MemorySnapshot;
}

/** Per agent: which pages and storage chunks exist, so deltas know what to replace. */
interface Index {
  pages: Set<string>;
  chunks: Map<string, number>;
  seq: number;
}

/**
 * The durable state of a node's agents between checkpoints, in Deno KV: the head
 * (`["ckpt", name]`), memory pages (`["ckpt-page", name, instance, memory, page]`, 8 KiB,
 * zero pages absent), storage (`["agent-storage", name, key]` holding a chunk count,
 * chunks under `["agent-storage-chunk", name, key, i]`) and the duplicate marks of the
 * at-least-once messages a checkpoint covers (`["seen", receiver, id]`). One checkpoint
 * commits all of it at once (past Deno KV's per-commit limits through {@link KvBatch}'s redo
 * log), so memory, storage and marks always come from the same message boundary.
 */
export class CheckpointStore {
  readonly #batch: KvBatch;
  readonly #index = new Map<string, Index>();

  /** Serves {@link read} (see {@link CheckpointStoreOptions.reader}). */
  readonly #reader: Deno.Kv;

  constructor(readonly kv: Deno.Kv, readonly opts: CheckpointStoreOptions = {}) {
    this.#reader = opts.reader ?? kv;
    this.#batch = new KvBatch(kv, "ckpt-batch", this.#reader);
  }

  /**
   * Commits `delta` (and `marks`) as the agent's newest checkpoint. After a failure the
   * agent's next checkpoint must be full (the store may hold either side of this one).
   */
  async commit(
    name: string,
    delta: CheckpointDelta,
    marks: readonly HandledMark[] = [],
  ): Promise<number> {
    const ix = await this.#indexOf(name);
    const ops: KvOp[] = [];
    const pages = new Set(delta.full ? [] : ix.pages);
    const head: Head = {
      seq: ix.seq + 1,
      hash: delta.hash,
      memories: [],
      globals: [],
      instances: delta.instances.length,
    };
    delta.instances.forEach((inst, i) => {
      for (const g of inst.globals) head.globals.push({ inst: i, index: g.index, value: g.value });
      for (const m of inst.memories) {
        head.memories.push({ inst: i, index: m.index, length: m.length });
        for (const p of m.pages) {
          const id = `${i}/${m.index}/${p.n}`;
          if (p.bytes) {
            pages.add(id);
            ops.push({ key: ["ckpt-page", name, i, m.index, p.n], value: p.bytes });
          } else if (ix.pages.has(id)) {
            pages.delete(id);
            ops.push({ key: ["ckpt-page", name, i, m.index, p.n] });
          } else {
            pages.delete(id);
          }
        }
      }
    });
    if (delta.full) {
      for (const id of ix.pages) {
        if (pages.has(id)) continue;
        const [i, m, n] = id.split("/").map(Number);
        ops.push({ key: ["ckpt-page", name, i, m, n] });
      }
    }
    const chunks = storageOps(name, ix.chunks, delta.storage, delta.full, ops);
    const ttl = this.opts.markTtlMs ?? 24 * 3600 * 1000;
    const final: KvOp[] = [
      { key: ["ckpt", name], value: head },
      ...marks.map((m): KvOp => ({
        key: ["seen", m.receiver, m.messageId],
        value: 1,
        expireIn: ttl,
      })),
    ];
    try {
      await this.#batch.commit(name, ops, final);
    } catch (e) {
      this.#index.delete(name); // read again: the store may hold either side
      throw e;
    }
    this.#index.set(name, { pages, chunks, seq: head.seq });
    return head.seq;
  }

  /** Replaces the agent's whole storage with `entries` (no memory), in one switch. */
  async writeStorage(name: string, entries: [string, Uint8Array][]): Promise<void> {
    const ix = await this.#indexOf(name);
    const ops: KvOp[] = [];
    const chunks = storageOps(name, ix.chunks, { set: entries, del: [] }, true, ops);
    const last = ops.pop();
    try {
      await this.#batch.commit(name, ops, last ? [last] : []);
    } catch (e) {
      this.#index.delete(name);
      throw e;
    }
    ix.chunks = chunks;
  }

  /** The agent's last checkpoint (memory and globals), if it has one. */
  async load(name: string): Promise<Checkpoint | undefined> {
    return (await this.read(name)).checkpoint;
  }

  /**
   * The agent's last checkpoint (unless `memory` is false) and its storage, after finishing
   * a commit a crash interrupted. Deno KV gets every read at once (head, pages, storage
   * counts and chunks, and the redo log's pointer), not one after the other: this is what
   * waking an agent waits for. Nothing else writes the agent's keys meanwhile (its instance
   * is gone and its last commit ended); a redo log that recovery applies is read again.
   *
   * @throws {Error} naming the storage key whose chunk is missing.
   */
  async read(name: string, opts: { memory?: boolean } = {}): Promise<StoredAgent> {
    const memory = opts.memory ?? true;
    this.#index.delete(name);
    const [applied, first] = await Promise.all([
      this.#batch.recover(name),
      this.#fetch(name, memory),
    ]);
    const got = applied ? await this.#fetch(name, memory) : first;
    const counts = new Map<string, number>();
    for (const e of got.counts) counts.set(e.key[2] as string, e.value);
    const storage = assembleStorage(name, counts, got.chunks);
    if (!memory) return { checkpoint: undefined, storage };
    const pages = new Set<string>();
    for (const e of got.pages) {
      const [, , i, m, n] = e.key as [string, string, number, number, number];
      pages.add(`${i}/${m}/${n}`);
    }
    const h = got.head;
    this.#index.set(name, { pages, chunks: counts, seq: h?.seq ?? 0 });
    if (!h) return { checkpoint: undefined, storage };
    const instances: MemorySnapshot["instances"] = Array.from({ length: h.instances }, () => ({
      memories: [],
      globals: [],
    }));
    const buffers = new Map<string, Uint8Array>();
    for (const m of h.memories) {
      const bytes = new Uint8Array(m.length);
      buffers.set(`${m.inst}/${m.index}`, bytes);
      instances[m.inst].memories.push({ index: m.index, bytes });
    }
    for (const g of h.globals) instances[g.inst].globals.push({ index: g.index, value: g.value });
    for (const e of got.pages) {
      const [, , i, m, n] = e.key as [string, string, number, number, number];
      const buf = buffers.get(`${i}/${m}`);
      const at = n * CHECKPOINT_PAGE_BYTES;
      if (!buf || at >= buf.length) continue; // a page past the memory's end (stale)
      buf.set(e.value.subarray(0, Math.min(e.value.length, buf.length - at)), at);
    }
    return { checkpoint: { seq: h.seq, memory: { hash: h.hash, instances } }, storage };
  }

  /** The agent's keys, read concurrently (pages and head only with `memory`). */
  async #fetch(name: string, memory: boolean) {
    const kv = this.#reader;
    const list = <T>(prefix: Deno.KvKey) => Array.fromAsync(kv.list<T>({ prefix }));
    const [head, pages, counts, chunks] = await Promise.all([
      memory ? kv.get<Head>(["ckpt", name]) : undefined,
      memory ? list<Uint8Array>(["ckpt-page", name]) : [],
      list<number>(["agent-storage", name]),
      list<Uint8Array>(["agent-storage-chunk", name]),
    ]);
    return { head: head?.value ?? undefined, pages, counts, chunks };
  }

  /** Forgets the agent's checkpoint (its storage is the caller's to delete). */
  async remove(name: string): Promise<void> {
    this.#index.delete(name);
    await this.#batch.forget(name);
    const keys: Deno.KvKey[] = [["ckpt", name]];
    for await (const e of this.kv.list({ prefix: ["ckpt-page", name] })) keys.push(e.key);
    await deleteKeys(this.kv, keys);
  }

  /**
   * Forgets what is cached of `name`: its storage was written outside checkpoints, or its
   * instance ended (a sleeper keeps no index, ~0.5 KiB; its wake's {@link read} rebuilds it).
   */
  invalidate(name: string): void {
    this.#index.delete(name);
  }

  /** How many agents' indexes (pages and storage chunks) are kept in memory. */
  get indexed(): number {
    return this.#index.size;
  }

  async #indexOf(name: string): Promise<Index> {
    let ix = this.#index.get(name);
    if (ix) return ix;
    const pages = new Set<string>();
    for await (const e of this.kv.list({ prefix: ["ckpt-page", name] })) {
      const [, , i, m, n] = e.key as [string, string, number, number, number];
      pages.add(`${i}/${m}/${n}`);
    }
    const chunks = new Map<string, number>();
    for await (const e of this.kv.list<number>({ prefix: ["agent-storage", name] })) {
      chunks.set(e.key[2] as string, e.value);
    }
    const seq = (await this.kv.get<Head>(["ckpt", name])).value?.seq ?? 0;
    ix = { pages, chunks, seq };
    this.#index.set(name, ix);
    return ix;
  }
}

/** Options of a {@link CheckpointStore}. */
export interface CheckpointStoreOptions {
  /** How long a handled message's duplicate mark is kept (default 24 h). */
  markTtlMs?: number;
  /**
   * A second connection to the same Deno KV database for {@link CheckpointStore.read}
   * (default: the store's own). Deno KV runs one connection's operations one at a time, so
   * on the writing connection a wake's reads wait behind every write queued before them
   * (other agents' checkpoints, Raft, history); SQLite lets a second connection read
   * meanwhile. It sees every commit that has resolved: {@link CheckpointStore.read} is
   * called once the agent's own writes ended.
   */
  reader?: Deno.Kv;
}

/** What {@link CheckpointStore.read} finds of an agent. */
export interface StoredAgent {
  /** Its last checkpoint, if it has one (and memory was asked for). */
  checkpoint: Checkpoint | undefined;
  /** Its storage, key by key. */
  storage: Map<string, Uint8Array>;
}

/**
 * Joins each storage key's chunks (`counts[key]` of them; chunks past the count are stale
 * and ignored).
 *
 * @throws {Error} naming the key whose chunk is missing.
 */
function assembleStorage(
  name: string,
  counts: ReadonlyMap<string, number>,
  chunks: readonly Deno.KvEntry<Uint8Array>[],
): Map<string, Uint8Array> {
  const parts = new Map<string, Uint8Array[]>();
  for (const e of chunks) {
    const key = e.key[2] as string;
    const i = e.key[3] as number;
    const n = counts.get(key);
    if (n === undefined || i >= n) continue;
    let p = parts.get(key);
    if (!p) parts.set(key, p = []);
    p[i] = e.value;
  }
  const out = new Map<string, Uint8Array>();
  for (const [key, n] of counts) {
    const p = parts.get(key) ?? [];
    let size = 0;
    for (let i = 0; i < n; i++) {
      if (!p[i]) throw new Error(`agent ${name}: storage key '${key}' lost chunk ${i}`);
      size += p[i].length;
    }
    if (n === 1) {
      out.set(key, p[0]);
      continue;
    }
    const v = new Uint8Array(size);
    let at = 0;
    for (let i = 0; i < n; i++) {
      v.set(p[i], at);
      at += p[i].length;
    }
    out.set(key, v);
  }
  return out;
}

/**
 * Appends to `ops` the mutations that write `change` over storage whose keys have `old`
 * chunk counts (with `full`, keys not in `change.set` are deleted); returns the new counts.
 */
function storageOps(
  name: string,
  old: ReadonlyMap<string, number>,
  change: CheckpointDelta["storage"],
  full: boolean,
  ops: KvOp[],
): Map<string, number> {
  const chunks = new Map(full ? [] : old);
  const written = new Set<string>();
  for (const [key, value] of change.set) {
    written.add(key);
    const n = Math.max(1, Math.ceil(value.length / STORAGE_CHUNK_BYTES));
    for (let c = 0; c < n; c++) {
      ops.push({
        key: ["agent-storage-chunk", name, key, c],
        value: value.slice(c * STORAGE_CHUNK_BYTES, (c + 1) * STORAGE_CHUNK_BYTES),
      });
    }
    for (let c = n; c < (old.get(key) ?? 0); c++) {
      ops.push({ key: ["agent-storage-chunk", name, key, c] });
    }
    ops.push({ key: ["agent-storage", name, key], value: n });
    chunks.set(key, n);
  }
  const gone = full
    ? [...old.keys()].filter((k) => !written.has(k))
    : change.del.filter((k) => !written.has(k));
  for (const key of gone) {
    for (let c = 0; c < (old.get(key) ?? 0); c++) {
      ops.push({ key: ["agent-storage-chunk", name, key, c] });
    }
    ops.push({ key: ["agent-storage", name, key] });
    chunks.delete(key);
  }
  return chunks;
}
