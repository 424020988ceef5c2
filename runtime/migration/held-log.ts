import type { HeldDelivery, HeldLog } from "./capture.ts";
import { heldFromWire, heldToWire, type HeldWire } from "./held-wire.ts";

/** KV key prefix of held messages: `["agent-held", agent, seq]`. */
export const HELD_PREFIX = "agent-held";

/** Appends per commit, and bytes (a commit may carry at most 1000 mutations and 800 KiB). */
const MAX_BATCH = 500;
const MAX_BATCH_BYTES = 600 * 1024;

interface Pending {
  name: string;
  wire: HeldWire;
  size: number;
  resolve(): void;
  reject(e: unknown): void;
}

/**
 * Messages held for agents while they move, in Deno KV in arrival order, so a node that
 * crashes mid-move still delivers (or forwards) every message it acknowledged. Appends
 * that arrive while a commit is under way go together in the next one (group commit), so
 * a burst of messages costs a few commits, not one each.
 */
export class KvHeldLog implements HeldLog {
  readonly #next = new Map<string, number>();
  #pending: Pending[] = [];
  #flushing?: Promise<void>;

  constructor(readonly kv: Deno.Kv) {}

  /** Appends after every earlier append (order is arrival order); resolves once durable. */
  append(name: string, held: HeldDelivery): Promise<void> {
    const wire = heldToWire(held);
    const size = JSON.stringify(wire).length + 64;
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ name, wire, size, resolve, reject });
      this.#flushing ??= this.#flush();
    });
  }

  async list(name: string): Promise<HeldDelivery[]> {
    await this.#flushing;
    const out: HeldDelivery[] = [];
    for await (const e of this.kv.list({ prefix: [HELD_PREFIX, name] })) {
      out.push(heldFromWire(e.value));
    }
    return out;
  }

  async clear(name: string): Promise<void> {
    await this.#flushing;
    this.#next.delete(name);
    const keys: Deno.KvKey[] = [];
    for await (const e of this.kv.list({ prefix: [HELD_PREFIX, name] })) keys.push(e.key);
    for (let i = 0; i < keys.length; i += 500) {
      const op = this.kv.atomic();
      for (const k of keys.slice(i, i + 500)) op.delete(k);
      await op.commit();
    }
  }

  async #flush(): Promise<void> {
    try {
      while (this.#pending.length) {
        let bytes = 0;
        let n = 0;
        while (
          n < this.#pending.length && n < MAX_BATCH &&
          (n === 0 || bytes + this.#pending[n].size <= MAX_BATCH_BYTES)
        ) {
          bytes += this.#pending[n].size;
          n++;
        }
        const batch = this.#pending.splice(0, n);
        try {
          const op = this.kv.atomic();
          for (const p of batch) op.set([HELD_PREFIX, p.name, await this.#seq(p.name)], p.wire);
          const r = await op.commit();
          if (!r.ok) throw new Error("held log commit failed");
          for (const p of batch) p.resolve();
        } catch (e) {
          for (const p of batch) this.#next.delete(p.name);
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async #seq(name: string): Promise<number> {
    let seq = this.#next.get(name);
    if (seq === undefined) {
      seq = 0;
      const last = this.kv.list({ prefix: [HELD_PREFIX, name] }, { reverse: true, limit: 1 });
      for await (const e of last) seq = Number(e.key[2]) + 1;
    }
    this.#next.set(name, seq + 1);
    return seq;
  }
}
