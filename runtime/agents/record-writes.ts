import { commitOps, type KvOp } from "./kv-batch.ts";
import type { AgentRecord } from "./record.ts";

interface Queued {
  op: KvOp;
  resolve(): void;
  reject(e: unknown): void;
}

/**
 * Writes of agents' records (`["agents", name]`) as a group commit: the puts and deletes
 * asked for while a write runs go together in the next one (deploys in flight share one Deno
 * KV commit instead of one each), applied in the order they were asked (the last change of
 * a name wins). Each promise settles once the commit that carries its change is durable, and
 * rejects when that commit failed.
 *
 * @example
 * ```ts
 * const writes = new RecordWrites(kv);
 * await Promise.all([writes.put(a), writes.put(b)]); // one commit (after the first)
 * ```
 */
export class RecordWrites {
  #queue: Queued[] = [];
  #tail: Promise<void> = Promise.resolve();

  constructor(readonly kv: Deno.Kv) {}

  /** Writes `r` under `["agents", r.name]`. */
  put(r: AgentRecord): Promise<void> {
    return this.#push({ key: ["agents", r.name], value: r });
  }

  /** Deletes the record of `name`. */
  delete(name: string): Promise<void> {
    return this.#push({ key: ["agents", name] });
  }

  #push(op: KvOp): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ op, resolve, reject });
      if (this.#queue.length > 1) return; // a write that will take it is scheduled already
      const run = this.#tail.then(() => this.#flush());
      this.#tail = run.catch(() => {});
    });
  }

  /** Writes what is queued, batch after batch, until nothing is. */
  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0);
      // One change per name, the last one asked for, in the place of that last one.
      const last = new Map<string, KvOp>();
      for (const q of batch) {
        const name = String(q.op.key[1]);
        last.delete(name);
        last.set(name, q.op);
      }
      try {
        await commitOps(this.kv, [...last.values()], "agent records");
        for (const q of batch) q.resolve();
      } catch (e) {
        for (const q of batch) q.reject(e);
      }
    }
  }
}
