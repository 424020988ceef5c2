import { CheckpointStore, type CheckpointStoreOptions } from "./checkpoint-store.ts";
import { deleteKeys } from "./kv-batch.ts";
import type { AgentRecord } from "./record.ts";
import { RecordWrites } from "./record-writes.ts";

/**
 * What a node persists about its agents in Deno KV: their records (`["agents", name]`),
 * their storage (`["agent-storage", name, key]` holding a chunk count, chunks under
 * `["agent-storage-chunk", name, key, i]`) and their checkpoints ({@link CheckpointStore},
 * which writes storage together with memory). Storage of a running agent changes only
 * through checkpoints; the writes here are for agents that arrive or are restored.
 */
export class AgentStore {
  readonly checkpoints: CheckpointStore;
  readonly #records: RecordWrites;

  constructor(readonly kv: Deno.Kv, opts: CheckpointStoreOptions = {}) {
    this.checkpoints = new CheckpointStore(kv, opts);
    this.#records = new RecordWrites(kv);
  }

  /** Every persisted record. */
  async records(): Promise<AgentRecord[]> {
    const out: AgentRecord[] = [];
    for await (const e of this.kv.list<AgentRecord>({ prefix: ["agents"] })) out.push(e.value);
    return out;
  }

  /**
   * Writes a record; resolves once it is durable. Records written meanwhile (other deploys
   * in flight) share one commit ({@link RecordWrites}).
   */
  putRecord(r: AgentRecord): Promise<void> {
    return this.#records.put(r);
  }

  /** Deletes a record, the agent's storage and its checkpoint. */
  async deleteAgent(name: string): Promise<void> {
    await this.#records.delete(name);
    await this.checkpoints.remove(name);
    const keys: Deno.KvKey[] = [];
    for await (const e of this.kv.list({ prefix: ["agent-storage", name] })) keys.push(e.key);
    for await (const e of this.kv.list({ prefix: ["agent-storage-chunk", name] })) keys.push(e.key);
    await deleteKeys(this.kv, keys);
    this.checkpoints.invalidate(name);
  }

  /** The agent's storage as stored (after finishing a commit a crash interrupted). */
  async loadStorage(name: string): Promise<Map<string, Uint8Array>> {
    return (await this.checkpoints.read(name, { memory: false })).storage;
  }

  /**
   * Replaces the agent's whole storage with `entries` in one switch (any size: past Deno
   * KV's per-commit limits through the checkpoint store's redo log).
   */
  async replaceStorage(name: string, entries: Iterable<[string, Uint8Array]>): Promise<void> {
    await this.checkpoints.writeStorage(name, [...entries]);
  }
}
