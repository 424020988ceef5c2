import { CheckpointStore, type CheckpointStoreOptions } from "./checkpoint-store.ts";
import { deleteKeys } from "./kv-batch.ts";
import type { AgentRecord } from "./record.ts";
import { KvWriter } from "./kv-writer.ts";
import type { KvOp } from "./kv-ops.ts";

/**
 * What a node persists about its agents in Deno KV: their records (`["agents", name]`),
 * their storage (`["agent-storage", name, key]` holding a chunk count, chunks under
 * `["agent-storage-chunk", name, key, i]`) and their checkpoints ({@link CheckpointStore},
 * which writes storage together with memory). Storage of a running agent changes only
 * through checkpoints; the writes here are for agents that arrive or are restored.
 */
export class AgentStore {
  readonly checkpoints: CheckpointStore;
  readonly #writer: KvWriter;

  constructor(readonly kv: Deno.Kv, opts: CheckpointStoreOptions = {}) {
    this.checkpoints = new CheckpointStore(kv, opts);
    this.#writer = KvWriter.of(kv);
  }

  /** Every persisted record. */
  async records(): Promise<AgentRecord[]> {
    const out: AgentRecord[] = [];
    for await (const e of this.kv.list<AgentRecord>({ prefix: ["agents"] })) out.push(e.value);
    return out;
  }

  /** Whether the stored record of `name` is that of agent `agentId`. */
  async holds(name: string, agentId: string): Promise<boolean> {
    return (await this.kv.get<AgentRecord>(["agents", name])).value?.agent_id === agentId;
  }

  /**
   * Writes a record; resolves once it is durable. Writes asked for meanwhile on the same
   * connection (other deploys' records, checkpoints, audit records) share one commit
   * ({@link KvWriter}); a put and a later delete of the same name land in that order.
   * `along`: writes committed atomically with the record (a deploy's audit intent).
   */
  async putRecord(r: AgentRecord, along: readonly KvOp[] = []): Promise<void> {
    await this.#writer.set([{ key: ["agents", r.name], value: r }, ...along], "agent records");
  }

  /** Deletes the record of `name` (after any write of it asked for before). */
  async deleteRecord(name: string): Promise<void> {
    await this.#writer.set([{ key: ["agents", name] }], "agent records");
  }

  /** Deletes a record, the agent's storage and its checkpoint. */
  async deleteAgent(name: string): Promise<void> {
    await this.deleteRecord(name);
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
