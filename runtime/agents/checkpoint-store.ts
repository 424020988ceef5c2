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

  constructor(readonly kv: Deno.Kv, readonly opts: { markTtlMs?: number } = {}) {
    this.#batch = new KvBatch(kv, "ckpt-batch");
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
    await this.#batch.recover(name);
    this.#index.delete(name);
    const h = (await this.kv.get<Head>(["ckpt", name])).value;
    if (!h) return undefined;
    const ix = await this.#indexOf(name);
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
    for await (const e of this.kv.list<Uint8Array>({ prefix: ["ckpt-page", name] })) {
      const [, , i, m, n] = e.key as [string, string, number, number, number];
      const buf = buffers.get(`${i}/${m}`);
      const at = n * CHECKPOINT_PAGE_BYTES;
      if (!buf || at >= buf.length) continue; // a page past the memory's end (stale)
      buf.set(e.value.subarray(0, Math.min(e.value.length, buf.length - at)), at);
    }
    return { seq: ix.seq, memory: { hash: h.hash, instances } };
  }

  /** Finishes what a crash left half-done for `name` (an applied-but-unfinished commit). */
  async recover(name: string): Promise<void> {
    await this.#batch.recover(name);
    this.#index.delete(name);
  }

  /** Forgets the agent's checkpoint (its storage is the caller's to delete). */
  async remove(name: string): Promise<void> {
    this.#index.delete(name);
    await this.#batch.forget(name);
    const keys: Deno.KvKey[] = [["ckpt", name]];
    for await (const e of this.kv.list({ prefix: ["ckpt-page", name] })) keys.push(e.key);
    await deleteKeys(this.kv, keys);
  }

  /** Forgets what is cached of `name` (its storage was written outside checkpoints). */
  invalidate(name: string): void {
    this.#index.delete(name);
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
