import type { AgentRecord } from "./record.ts";

/** Largest chunk of one stored value (Deno KV values are limited to 64 KiB). */
const CHUNK = 60 * 1024;

/**
 * What a node persists about its agents in Deno KV: their records (`["agents", name]`) and
 * their storage (`["agent-storage", name, key]` holding a chunk count, chunks under
 * `["agent-storage-chunk", name, key, i]`), each value written atomically.
 */
export class AgentStore {
  constructor(readonly kv: Deno.Kv) {}

  /** Every persisted record. */
  async records(): Promise<AgentRecord[]> {
    const out: AgentRecord[] = [];
    for await (const e of this.kv.list<AgentRecord>({ prefix: ["agents"] })) out.push(e.value);
    return out;
  }

  /** Writes a record. */
  async putRecord(r: AgentRecord): Promise<void> {
    await this.kv.set(["agents", r.name], r);
  }

  /** Deletes a record and the agent's storage. */
  async deleteAgent(name: string): Promise<void> {
    await this.kv.delete(["agents", name]);
    const keys: Deno.KvKey[] = [];
    for await (const e of this.kv.list({ prefix: ["agent-storage", name] })) keys.push(e.key);
    for await (const e of this.kv.list({ prefix: ["agent-storage-chunk", name] })) keys.push(e.key);
    for (let i = 0; i < keys.length; i += 500) {
      const op = this.kv.atomic();
      for (const k of keys.slice(i, i + 500)) op.delete(k);
      await op.commit();
    }
  }

  /** The agent's storage as stored. */
  async loadStorage(name: string): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    for await (const e of this.kv.list<number>({ prefix: ["agent-storage", name] })) {
      const key = e.key[2] as string;
      const n = e.value;
      const parts: Uint8Array[] = [];
      for (let i = 0; i < n; i++) {
        const c = await this.kv.get<Uint8Array>(["agent-storage-chunk", name, key, i]);
        if (!c.value) throw new Error(`agent ${name}: storage key '${key}' lost chunk ${i}`);
        parts.push(c.value);
      }
      const size = parts.reduce((s, p) => s + p.length, 0);
      const v = new Uint8Array(size);
      let o = 0;
      for (const p of parts) {
        v.set(p, o);
        o += p.length;
      }
      out.set(key, v);
    }
    return out;
  }

  /** Stores one value (replacing an older one of any size) in one atomic commit. */
  async setValue(name: string, key: string, value: Uint8Array): Promise<void> {
    const old = await this.kv.get<number>(["agent-storage", name, key]);
    const n = Math.max(1, Math.ceil(value.length / CHUNK));
    const op = this.kv.atomic().set(["agent-storage", name, key], n);
    for (let i = 0; i < n; i++) {
      op.set(["agent-storage-chunk", name, key, i], value.subarray(i * CHUNK, (i + 1) * CHUNK));
    }
    for (let i = n; i < (old.value ?? 0); i++) op.delete(["agent-storage-chunk", name, key, i]);
    const r = await op.commit();
    if (!r.ok) throw new Error(`agent ${name}: could not store '${key}'`);
  }

  /** Deletes one value. */
  async deleteValue(name: string, key: string): Promise<void> {
    const old = await this.kv.get<number>(["agent-storage", name, key]);
    const op = this.kv.atomic().delete(["agent-storage", name, key]);
    for (let i = 0; i < (old.value ?? 0); i++) op.delete(["agent-storage-chunk", name, key, i]);
    await op.commit();
  }
}
