/**
 * Writing many Deno KV mutations as if in one commit, past Deno KV's limits on one atomic
 * operation (1,000 mutations, 800 KB of values, 80 KB of keys): the mutations go to a redo
 * log first (any number of commits, invisible until the pointer to it is set), then one
 * small commit sets the pointer together with the caller's own mutations (the single
 * switch point), then the log is applied and removed. A crash before the switch leaves
 * nothing; after it, {@link KvBatch.recover} applies the log again (applying is idempotent).
 * @module
 */

import { fitsOneCommit, keyBytes, type KvOp, splitCommits, valueBytes } from "./kv-ops.ts";
import { KvWriter } from "./kv-writer.ts";

export { fitsOneCommit, type KvOp, splitCommits } from "./kv-ops.ts";

/** Payload of one redo log entry (values are limited to 64 KiB). */
const LOG_ENTRY_BYTES = 48_000;

/** Deletes `keys` in as few commits as Deno KV's limits allow. */
export async function deleteKeys(kv: Deno.Kv, keys: readonly Deno.KvKey[]): Promise<void> {
  await commitOps(kv, keys.map((key) => ({ key })), "key deletions");
}

/**
 * Commits `ops` in order, in as few commits as Deno KV's limits allow (not atomically as a
 * whole: each group is), through the connection's group commit ({@link KvWriter}).
 *
 * @throws {Error} naming `what` when Deno KV refuses a commit.
 */
export async function commitOps(
  kv: Deno.Kv,
  ops: readonly KvOp[],
  what = "changes",
): Promise<void> {
  const writer = KvWriter.of(kv);
  for (const group of splitCommits(ops)) await writer.set(group, what);
}

/** The pointer to an unapplied redo log. */
interface Pending {
  seq: string;
  entries: number;
}

/**
 * Commits batches of mutations for one owner (an agent) with a single switch point, over
 * a redo log kept under `[prefix, owner, ...]`.
 */
export class KvBatch {
  /** Logs being written by this process now: not stale, whatever recover finds. */
  readonly #writing = new Set<string>();

  /**
   * `reader` (default `kv`) serves {@link recover}'s reads: a second connection to the same
   * database, so that they do not queue behind this node's writes.
   */
  constructor(
    readonly kv: Deno.Kv,
    readonly prefix: string,
    readonly reader: Deno.Kv = kv,
  ) {}

  /**
   * Makes `ops` and `final` durable together: `final` (small: the caller's pointer
   * switch) joins the one commit that decides. Resolves once everything is applied.
   *
   * @throws {Error} when a commit fails (before the switch nothing is visible).
   */
  async commit(owner: string, ops: readonly KvOp[], final: readonly KvOp[] = []): Promise<void> {
    const all = [...ops, ...final];
    if (fitsOneCommit(all)) {
      await this.#commitGroup(all);
      return;
    }
    const seq = crypto.randomUUID();
    const entries = packLog(ops);
    const logOps = entries.map((e, i): KvOp => ({
      key: [this.prefix, owner, "log", seq, i],
      value: e,
    }));
    for (const group of splitCommits(logOps)) await this.#commitGroup(group);
    const pointer: Pending = { seq, entries: entries.length };
    await this.#commitGroup([{ key: [this.prefix, owner, "pending"], value: pointer }, ...final]);
    await this.#apply(owner, pointer);
  }

  /**
   * Applies a log left by a crash after its switch; removes logs that never switched.
   * Resolves with whether it applied one (what the owner's keys hold changed).
   */
  async recover(owner: string): Promise<boolean> {
    const [p, logs] = await Promise.all([
      this.reader.get<Pending>([this.prefix, owner, "pending"]),
      Array.fromAsync(this.reader.list({ prefix: [this.prefix, owner, "log"] })),
    ]);
    if (p.value) await this.#apply(owner, p.value);
    const stale = logs.map((e) => e.key).filter((k) =>
      k[3] !== p.value?.seq && !this.#writing.has(k[3] as string)
    );
    await deleteKeys(this.kv, stale);
    return p.value !== null;
  }

  /** Forgets every log and pointer of `owner`. */
  async forget(owner: string): Promise<void> {
    const keys: Deno.KvKey[] = [];
    for await (const e of this.kv.list({ prefix: [this.prefix, owner] })) keys.push(e.key);
    await deleteKeys(this.kv, keys);
  }

  async #apply(owner: string, p: Pending): Promise<void> {
    const ops: KvOp[] = [];
    for (let i = 0; i < p.entries; i++) {
      const e = await this.kv.get<KvOp[]>([this.prefix, owner, "log", p.seq, i]);
      if (!e.value) throw new Error(`redo log ${p.seq} of ${owner} lost entry ${i}`);
      ops.push(...e.value);
    }
    for (const g of splitCommits(ops)) await this.#commitGroup(g);
    const done: KvOp[] = [{ key: [this.prefix, owner, "pending"] }];
    for (let i = 0; i < p.entries; i++) done.push({ key: [this.prefix, owner, "log", p.seq, i] });
    for (const g of splitCommits(done)) await this.#commitGroup(g);
  }

  async #commitGroup(ops: readonly KvOp[]): Promise<void> {
    if (ops.length === 0) return;
    await KvWriter.of(this.kv).set(ops, "mutations");
  }
}

/** Packs ops into log entries of at most {@link LOG_ENTRY_BYTES} each. */
function packLog(ops: readonly KvOp[]): KvOp[][] {
  const out: KvOp[][] = [];
  let cur: KvOp[] = [];
  let size = 0;
  for (const op of ops) {
    const s = valueBytes(op) + keyBytes(op.key);
    if (cur.length > 0 && size + s > LOG_ENTRY_BYTES) {
      out.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(op);
    size += s;
  }
  if (cur.length) out.push(cur);
  return out;
}
