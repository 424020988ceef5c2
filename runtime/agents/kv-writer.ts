/**
 * The node-wide group commit of Deno KV writes: {@link KvWriter}.
 * @module
 */
import {
  addTo,
  keyBytes,
  type KvOp,
  MAX_KEY_BYTES,
  MAX_OPS,
  MAX_VALUE_BYTES,
  valueBytes,
} from "./kv-ops.ts";

/** One writer's atomic write: its checks and its mutations, committed together or not at all. */
export interface KvWrite {
  /** Versionstamp checks, as `Deno.AtomicOperation.check` takes them. */
  checks?: readonly Deno.AtomicCheck[];
  /** The mutations, applied in order. */
  ops: readonly KvOp[];
}

/** Checks one commit carries at most (Deno KV allows 100). */
const MAX_CHECKS = 64;

interface Queued {
  write: KvWrite;
  resolve(r: Deno.KvCommitResult | Deno.KvCommitError): void;
  reject(e: unknown): void;
}

/** A key as a string that two equal keys share (for the conflict test of a batch). */
function keyId(key: Deno.KvKey): string {
  let s = "";
  for (const p of key) {
    s += p instanceof Uint8Array ? `u${p.join(",")}` : `${typeof p}:${String(p)}`;
    s += "\u0000";
  }
  return s;
}

/**
 * Promise jobs the writer lets run after a commit before it takes its next batch: enough for
 * the continuations that the settled writes' promises woke to ask for their next writes
 * (the Raft driver's next save, asked as soon as its previous save is durable, is ~10 jobs
 * away; the audit log's next batch ~5), so that those join the next commit instead of
 * following it one commit later. Promise jobs only, no event-loop turn: a write that waits
 * on I/O first is not waited for, and nothing else is delayed (a few µs).
 */
const CONTINUATION_JOBS = 64;

/** Resolves after {@link CONTINUATION_JOBS} promise jobs. */
async function afterContinuations(): Promise<void> {
  for (let i = 0; i < CONTINUATION_JOBS; i++) await undefined;
}

/** The writers of each connection: one per `Deno.Kv`, whoever asks for it. */
const writers = new WeakMap<Deno.Kv, KvWriter>();

/**
 * Group commit of a Deno KV connection's writes, shared by everything that writes through
 * it (agents' records, checkpoints, the audit trail, history and tasks through
 * `commitOps`): while one commit runs, the writes asked for meanwhile queue, and the next
 * commit carries as many of them as fit in one atomic operation, in the order they were
 * asked (Deno KV applies mutations in order: a later write to the same key wins). Deno KV
 * syncs to disk once per commit whatever it holds, so writers in flight share that cost
 * instead of paying it one after another.
 *
 * Each write keeps its own semantics: its promise resolves once the commit that carried it
 * is durable, with that commit's result (all writes of a commit share its versionstamp, which
 * is the one their keys carry). A write whose checks hit a key that an earlier write of the
 * batch checks or changes starts the next commit, so that its checks see what the earlier
 * writes did. When a commit of several writes fails (a check did not hold, or Deno KV threw),
 * nothing of it is stored, and each of its writes is committed again on its own: only a write
 * whose own checks fail gets `{ ok: false }`, and only one that Deno KV refuses on its own
 * rejects; the others are not failed for a neighbour's fault.
 *
 * @example
 * ```ts
 * const w = KvWriter.of(kv); // the same writer for every caller of this connection
 * await Promise.all([w.set([{ key: ["a"], value: 1 }]), w.set([{ key: ["b"], value: 2 }])]);
 * ```
 */
export class KvWriter {
  #queue: Queued[] = [];
  #running = false;
  /** Nesting depth of {@link KvWriter.together}: while above 0, no commit starts. */
  #holding = 0;
  /** Writes of {@link KvWriter.commitSoon} waiting for a commit to ride on. */
  #soon: Queued[] = [];
  #soonTimer: ReturnType<typeof setTimeout> | undefined;
  /** Commits made so far (tests and benchmarks read it). */
  commits = 0;

  /** Use {@link KvWriter.of}: a second writer of the same connection would not share commits. */
  private constructor(readonly kv: Deno.Kv) {}

  /** The writer of `kv`, made on first use. */
  static of(kv: Deno.Kv): KvWriter {
    let w = writers.get(kv);
    if (!w) {
      w = new KvWriter(kv);
      writers.set(kv, w);
    }
    return w;
  }

  /**
   * Commits `write` atomically with the writes asked for meanwhile; resolves with the result
   * of the commit that carried it (`{ ok: false }`: one of its own checks did not hold, and
   * nothing of it was stored).
   *
   * @throws what Deno KV threw when it refused this write on its own (too large, a bad key).
   */
  commit(write: KvWrite): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ write, resolve, reject });
      if (!this.#running && this.#holding === 0) void this.#drain();
    });
  }

  /**
   * Like {@link commit}, but starts no commit of its own: the write goes, ahead of the writes
   * queued then, into the next commit that another write starts, or into one of its own after
   * `maxDelayMs` (or at {@link flushSoon}). For writes whose durability nobody waits for now
   * (an audit record that its intent already makes certain): at one writer they would
   * otherwise cost a sync that the next write's commit waits behind. Its keys must be its
   * writer's alone (it may land after writes asked later).
   */
  commitSoon(
    write: KvWrite,
    maxDelayMs: number,
  ): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
    return new Promise((resolve, reject) => {
      this.#soon.push({ write, resolve, reject });
      this.#soonTimer ??= setTimeout(() => this.flushSoon(), maxDelayMs);
    });
  }

  /** Commits the writes of {@link commitSoon} now (with what else is queued). */
  flushSoon(): void {
    if (this.#soon.length === 0) return;
    this.#adoptSoon();
    if (!this.#running && this.#holding === 0) void this.#drain();
  }

  /** Moves the writes of {@link commitSoon} to the front of the queue. */
  #adoptSoon(): void {
    if (this.#soonTimer !== undefined) clearTimeout(this.#soonTimer);
    this.#soonTimer = undefined;
    this.#queue.unshift(...this.#soon.splice(0));
  }

  /**
   * Runs `fn` and returns what it returns; the writes asked for synchronously inside it (by
   * it or by anything it calls) start no commit of their own: they go, with whatever else is
   * queued, into the commit that starts once `fn` returns (or into the next one, when a
   * commit is running). Writers of different modules that must become durable at the same
   * time (the Raft entry's save and its audit intent) thus share one commit and one sync.
   *
   * @example
   * ```ts
   * const w = KvWriter.of(kv);
   * const [a, b] = w.together(() => [w.set([{ key: ["a"], value: 1 }]), w.set([{ key: ["b"], value: 2 }])]);
   * await Promise.all([a, b]); // one commit
   * ```
   */
  together<T>(fn: () => T): T {
    this.#holding++;
    try {
      return fn();
    } finally {
      if (--this.#holding === 0 && !this.#running && this.#queue.length > 0) void this.#drain();
    }
  }

  /**
   * Commits `ops` (no checks) as one write; resolves with the versionstamp once durable.
   *
   * @throws {Error} naming `what` when Deno KV refused them.
   */
  async set(ops: readonly KvOp[], what = "changes"): Promise<string> {
    const r = await this.commit({ ops });
    if (!r.ok) throw new Error(`Deno KV refused a commit of ${ops.length} ${what}`);
    return r.versionstamp;
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        if (this.#soon.length > 0) this.#adoptSoon();
        const batch = this.#take();
        if (batch.length === 1) {
          await this.#alone(batch[0]);
          await afterContinuations();
          continue;
        }
        let r: Deno.KvCommitResult | Deno.KvCommitError | undefined;
        try {
          r = await this.#commitAll(batch.map((q) => q.write));
        } catch {
          r = undefined;
        }
        if (r?.ok) { for (const q of batch) q.resolve(r); }
        else for (const q of batch) await this.#alone(q);
        await afterContinuations();
      }
    } finally {
      this.#running = false;
    }
  }

  /** Commits one write on its own and settles it with what that gave. */
  async #alone(q: Queued): Promise<void> {
    try {
      q.resolve(await this.#commitAll([q.write]));
    } catch (e) {
      q.reject(e);
    }
  }

  #commitAll(writes: readonly KvWrite[]): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
    const a = this.kv.atomic();
    for (const w of writes) {
      if (w.checks?.length) a.check(...w.checks);
      for (const op of w.ops) addTo(a, op);
    }
    this.commits++;
    return a.commit();
  }

  /** The oldest queued writes that go in one commit (at least one). */
  #take(): Queued[] {
    if (this.#queue.length === 1) return this.#queue.splice(0, 1);
    const touched = new Set<string>();
    let ops = 0;
    let checks = 0;
    let values = 0;
    let keys = 0;
    let n = 0;
    for (; n < this.#queue.length; n++) {
      const w = this.#queue[n].write;
      const wChecks = w.checks ?? [];
      let wValues = 0;
      let wKeys = 0;
      for (const op of w.ops) {
        wValues += valueBytes(op);
        wKeys += keyBytes(op.key);
      }
      for (const c of wChecks) wKeys += keyBytes(c.key);
      if (
        n > 0 && (
          ops + w.ops.length > MAX_OPS || checks + wChecks.length > MAX_CHECKS ||
          values + wValues > MAX_VALUE_BYTES || keys + wKeys > MAX_KEY_BYTES ||
          wChecks.some((c) => touched.has(keyId(c.key)))
        )
      ) break;
      ops += w.ops.length;
      checks += wChecks.length;
      values += wValues;
      keys += wKeys;
      for (const c of wChecks) touched.add(keyId(c.key));
      for (const op of w.ops) touched.add(keyId(op.key));
    }
    return this.#queue.splice(0, n);
  }
}
