/** Largest chunk of one value (Deno KV values are limited to 64 KiB). */
const CHUNK = 63 * 1024;
/** Chunks per atomic commit (a commit may carry at most 800 KiB). */
const PER_COMMIT = 12;
/** Blobs up to this size live in the pointer itself: one commit per write. */
const INLINE = 60 * 1024;

interface Pointer {
  gen: number;
  chunks: number;
  bytes: number;
  /** Small facts stored with the blob (e.g. a migration's nonce and peer). */
  info?: Record<string, unknown>;
  /** The bytes of a small blob (then `chunks` is 0). */
  inline?: Uint8Array;
}

/** A blob write whose accompanying check failed: nothing was written. */
export class BlobConflict extends Error {
  constructor(what: string) {
    super(`blob ${what}: a check of the write failed`);
    this.name = "BlobConflict";
  }
}

/**
 * Named byte blobs of any size in Deno KV: chunks under `[<prefix>-chunk, name, gen, i]`
 * and a pointer `[<prefix>, name]` that names the current generation. A write puts the new
 * generation's chunks first and then switches the pointer in one commit, so a crash leaves
 * the old blob or the new one, never a mix. Blobs up to 60 KiB live in the pointer (one
 * commit). Writes to one name are serialized.
 */
export class KvBlobStore {
  readonly #chunkPrefix: string;
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(readonly kv: Deno.Kv, readonly prefix: string) {
    this.#chunkPrefix = `${prefix}-chunk`;
  }

  /**
   * Stores `bytes` under `name`, replacing what was there. `also` is applied in the commit
   * that switches the pointer (e.g. a marker set, or a check that makes the write fail):
   * it happens if and only if the new blob becomes current.
   *
   * @throws {BlobConflict} when a check in `also` failed (nothing was written).
   */
  put(
    name: string,
    bytes: Uint8Array,
    info?: Record<string, unknown>,
    also?: (op: Deno.AtomicOperation) => void,
  ): Promise<void> {
    return this.#serial(name, async () => {
      const old = (await this.kv.get<Pointer>([this.prefix, name])).value;
      const gen = (old?.gen ?? 0) + 1;
      if (bytes.length <= INLINE) {
        const ptr: Pointer = { gen, chunks: 0, bytes: bytes.length, inline: bytes };
        if (info) ptr.info = info;
        const op = this.kv.atomic().set([this.prefix, name], ptr);
        also?.(op);
        const small = old && old.chunks <= PER_COMMIT;
        if (small) {
          for (let i = 0; i < old.chunks; i++) op.delete([this.#chunkPrefix, name, old.gen, i]);
        }
        if (!(await op.commit()).ok) throw new BlobConflict(`${this.prefix}/${name}`);
        if (old && !small) await this.#deleteGen(name, old.gen, old.chunks);
        return;
      }
      const chunks = Math.max(1, Math.ceil(bytes.length / CHUNK));
      for (let i = 0; i < chunks; i += PER_COMMIT) {
        const op = this.kv.atomic();
        for (let j = i; j < Math.min(chunks, i + PER_COMMIT); j++) {
          op.set([this.#chunkPrefix, name, gen, j], bytes.subarray(j * CHUNK, (j + 1) * CHUNK));
        }
        if (!(await op.commit()).ok) throw new Error(`blob ${this.prefix}/${name}: write failed`);
      }
      const ptr: Pointer = { gen, chunks, bytes: bytes.length, ...(info ? { info } : {}) };
      const op = this.kv.atomic().set([this.prefix, name], ptr);
      also?.(op);
      if (!(await op.commit()).ok) {
        await this.#deleteGen(name, gen, chunks);
        throw new BlobConflict(`${this.prefix}/${name}`);
      }
      if (old) await this.#deleteGen(name, old.gen, old.chunks);
    });
  }

  /** The blob and its info, or undefined. */
  async get(
    name: string,
  ): Promise<{ bytes: Uint8Array; info?: Record<string, unknown> } | undefined> {
    const ptr = (await this.kv.get<Pointer>([this.prefix, name])).value;
    if (!ptr) return undefined;
    if (ptr.inline) return { bytes: ptr.inline, ...(ptr.info ? { info: ptr.info } : {}) };
    const keys: Deno.KvKey[] = [];
    for (let i = 0; i < ptr.chunks; i++) keys.push([this.#chunkPrefix, name, ptr.gen, i]);
    const out = new Uint8Array(ptr.bytes);
    let at = 0;
    for (let i = 0; i < keys.length; i += 10) {
      const got = await this.kv.getMany<Uint8Array[]>(keys.slice(i, i + 10));
      for (const e of got) {
        if (!e.value) {
          throw new Error(`blob ${this.prefix}/${name}: chunk ${String(e.key[3])} lost`);
        }
        out.set(e.value, at);
        at += e.value.length;
      }
    }
    if (at !== ptr.bytes) throw new Error(`blob ${this.prefix}/${name}: size mismatch`);
    return { bytes: out, ...(ptr.info ? { info: ptr.info } : {}) };
  }

  /** The info stored with a blob, without reading it; undefined when there is none. */
  async info(name: string): Promise<Record<string, unknown> | undefined> {
    const ptr = (await this.kv.get<Pointer>([this.prefix, name])).value;
    return ptr ? ptr.info ?? {} : undefined;
  }

  /** Whether a blob of that name exists. */
  async has(name: string): Promise<boolean> {
    return (await this.kv.get([this.prefix, name])).versionstamp !== null;
  }

  /** Names of the stored blobs. */
  async names(): Promise<string[]> {
    const out: string[] = [];
    for await (const e of this.kv.list({ prefix: [this.prefix] })) out.push(String(e.key[1]));
    return out;
  }

  /** Deletes a blob (every generation of it). */
  delete(name: string): Promise<void> {
    return this.#serial(name, async () => {
      await this.kv.delete([this.prefix, name]);
      const keys: Deno.KvKey[] = [];
      for await (const e of this.kv.list({ prefix: [this.#chunkPrefix, name] })) keys.push(e.key);
      await this.#deleteKeys(keys);
    });
  }

  async #deleteGen(name: string, gen: number, chunks: number): Promise<void> {
    const keys: Deno.KvKey[] = [];
    for (let i = 0; i < chunks; i++) keys.push([this.#chunkPrefix, name, gen, i]);
    await this.#deleteKeys(keys);
  }

  async #deleteKeys(keys: Deno.KvKey[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 500) {
      const op = this.kv.atomic();
      for (const k of keys.slice(i, i + 500)) op.delete(k);
      await op.commit();
    }
  }

  #serial<T>(name: string, op: () => Promise<T>): Promise<T> {
    const prev = this.#queues.get(name) ?? Promise.resolve();
    const run = prev.then(op, op);
    const tail = run.catch(() => {});
    this.#queues.set(name, tail);
    tail.then(() => {
      if (this.#queues.get(name) === tail) this.#queues.delete(name);
    });
    return run;
  }
}
