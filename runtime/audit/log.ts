import type { KvOp } from "../agents/kv-ops.ts";
import { KvWriter } from "../agents/kv-writer.ts";
import {
  type AuditEvent,
  type AuditOutcome,
  type AuditRecord,
  type ChainAnchor,
  chainNext,
  type ChainVerdict,
  ORIGIN,
  prunePlan,
  verifyChain,
} from "./chain.ts";

/** A page of the audit log, oldest first. */
export interface AuditPage {
  records: AuditRecord[];
  /** Pass as `cursor` for the next page; absent on the last. */
  next_cursor?: string;
}

/** Filters of {@link AuditLog.list}; all given ones must match. */
export interface AuditQuery {
  actor?: string;
  action?: string;
  target?: string;
  outcome?: AuditOutcome;
  /** ISO times, inclusive. */
  since?: string;
  until?: string;
  /** From a previous page. */
  cursor?: string;
  limit: number;
}

const REC = ["audit", "r"];
const HEAD = ["audit", "head"];
const ANCHOR = ["audit", "anchor"];
/** Audit intents not yet turned into records, by request id (see `intent.ts`). */
const PENDING = ["audit", "pending"];
/** The most records one page scans for matches, so a narrow filter cannot stall a request. */
const SCAN_LIMIT = 10_000;
/** Records per atomic write at most, and their approximate bytes (Deno KV allows 1000, 800 KiB). */
const BATCH_RECORDS = 256;
const BATCH_BYTES = 400_000;
/**
 * How long a record nobody waits for ({@link AuditLog.append}'s `soon`) waits for another
 * write's commit to ride on before it commits alone.
 */
const SOON_MS = 20;

/** An event without its outcome, stored until its record is (see {@link AuditLog.intend}). */
export type AuditIntent = Omit<AuditEvent, "outcome">;

interface Queued {
  event: AuditEvent;
  /** The request id of the intent this record settles (deleted with the record). */
  settles?: string;
  /** Nobody waits for it: it may ride on another write's commit (see {@link AuditLog.append}). */
  soon?: boolean;
  resolve(r: AuditRecord): void;
  reject(e: unknown): void;
}

/** Takes the oldest queued events that fit one atomic write (at least one). */
function takeBatch(queue: Queued[]): Queued[] {
  let n = 0;
  let bytes = 0;
  while (n < queue.length && n < BATCH_RECORDS) {
    bytes += JSON.stringify(queue[n].event).length + 200;
    if (n > 0 && bytes > BATCH_BYTES) break;
    n++;
  }
  return queue.splice(0, n);
}

/**
 * The audit trail in Deno KV, a thin shell over the pure chain (`chain.ts`): records under
 * `["audit", "r", seq]`, the head (last seq and hash) and, after pruning, the anchor the
 * oldest kept record links to. Appends are serialized and each commits record and head in one
 * atomic write.
 */
export class AuditLog {
  #tail: Promise<unknown> = Promise.resolve();
  #queue: Queued[] = [];
  /**
   * The head as this log last wrote it, with its versionstamp: the next write checks that
   * versionstamp instead of reading the head first (one KV read less per batch). Another
   * writer of the same head makes the check fail; the write then reads the head again.
   */
  #head: { at: ChainAnchor; versionstamp: string } | undefined;

  constructor(
    readonly kv: Deno.Kv,
    readonly opts: { now?: () => Date; retentionDays: number },
  ) {}

  #now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /**
   * Appends an event (timestamped now unless `at` is given); resolves once it is stored.
   * `soon`: nobody waits for it now (its intent makes it certain), so it may wait up to
   * {@link SOON_MS} for another write's commit to ride on; `settles`: the request id of the
   * intent it replaces (deleted in the same commit).
   * Group commit: events appended while a write runs are chained and stored together by the
   * next one (one head read, one atomic write), in the order they were appended.
   */
  append(
    e: Omit<AuditEvent, "at"> & { at?: string },
    opts: { settles?: string; soon?: boolean } = {},
  ): Promise<AuditRecord> {
    const event: AuditEvent = { ...e, at: e.at ?? this.#now().toISOString() };
    // A record someone waits for does not wait behind one nobody waits for.
    if (!opts.soon) KvWriter.of(this.kv).flushSoon();
    return new Promise<AuditRecord>((resolve, reject) => {
      this.#queue.push({ event, settles: opts.settles, soon: opts.soon, resolve, reject });
      if (this.#queue.length > 1) return; // a write for this batch is already scheduled
      const run = this.#tail.then(() => this.#flush());
      this.#tail = run.catch(() => {});
    });
  }

  /** Resolves once every record appended so far was stored (or failed). */
  idle(): Promise<void> {
    KvWriter.of(this.kv).flushSoon();
    return this.#tail.then(() => {});
  }

  /** Stores the queued events, as many per atomic write as Deno KV's limits allow. */
  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = takeBatch(this.#queue);
      try {
        const recs = await this.#store(batch);
        batch.forEach((q, i) => q.resolve(recs[i]));
      } catch (err) {
        for (const q of batch) q.reject(err);
      }
    }
  }

  async #store(batch: Queued[]): Promise<AuditRecord[]> {
    for (;;) {
      const head = this.#head ?? await this.#readHead();
      let at = head.at;
      const ops: KvOp[] = [];
      const recs = batch.map(({ event, settles }) => {
        const rec = chainNext(at, event);
        at = { seq: rec.seq, hash: rec.hash };
        ops.push({ key: [...REC, rec.seq], value: rec });
        if (settles !== undefined) ops.push({ key: [...PENDING, settles] });
        return rec;
      });
      ops.push({ key: HEAD, value: at });
      // The connection's group commit: this write may share its commit with others (agents'
      // records, checkpoints); the check on the head still decides for this write alone.
      // Records nobody waits for ride on the next commit another write starts (at one client,
      // the next directory write's save) unless a record someone waits for is queued.
      const writer = KvWriter.of(this.kv);
      const write = { checks: [{ key: HEAD, versionstamp: head.versionstamp }], ops };
      const soon = batch.every((q) => q.soon) && this.#queue.every((q) => q.soon);
      const r = await (soon ? writer.commitSoon(write, SOON_MS) : writer.commit(write));
      if (r.ok) {
        this.#head = { at, versionstamp: r.versionstamp };
        return recs;
      }
      this.#head = undefined;
    }
  }

  /**
   * Stores `intent` under `requestId` (a Raft proposal's request id) until a record that
   * settles it ({@link append} with `settles`) is stored. The write is asked for at once, on
   * the connection's group commit (`KvWriter`): called inside `KvWriter.together` with the
   * proposal, it shares the commit of the leader's save of the entry. Resolves once durable.
   */
  intend(requestId: string, intent: AuditIntent): Promise<void> {
    return KvWriter.of(this.kv).set([this.intentOp(requestId, intent)], "audit intent")
      .then(() => {});
  }

  /**
   * The write that stores `intent` under `requestId` ({@link intend}), for a caller to put in
   * its own atomic commit (a deploy's, beside the agent's record).
   */
  intentOp(requestId: string, intent: AuditIntent): KvOp {
    return { key: [...PENDING, requestId], value: intent };
  }

  /** The stored intents no record settled yet (after a crash: those to recover). */
  async intents(): Promise<{ requestId: string; intent: AuditIntent }[]> {
    const out: { requestId: string; intent: AuditIntent }[] = [];
    for await (const e of this.kv.list<AuditIntent>({ prefix: PENDING })) {
      out.push({ requestId: String(e.key[PENDING.length]), intent: e.value });
    }
    return out;
  }

  /** The stored head and its versionstamp (`null`: no record yet). */
  async #readHead(): Promise<{ at: ChainAnchor; versionstamp: string | null }> {
    const head = await this.kv.get<ChainAnchor>(HEAD);
    return { at: head.value ?? ORIGIN, versionstamp: head.versionstamp };
  }

  /**
   * Records in seq order that match `q`, one page. Records appended before the call are
   * stored first (a directory write's record may be stored after its response went out:
   * a client reading the trail after the response still finds it).
   */
  async list(q: AuditQuery): Promise<AuditPage> {
    await this.idle();
    const after = q.cursor === undefined ? 0 : Number(q.cursor);
    const records: AuditRecord[] = [];
    let scanned = 0;
    let last = after;
    const it = this.kv.list<AuditRecord>({ prefix: REC, start: [...REC, after + 1] });
    for await (const entry of it) {
      const r = entry.value;
      last = r.seq;
      if (matches(r, q)) records.push(r);
      if (records.length >= q.limit || ++scanned >= SCAN_LIMIT) {
        const more = await this.#hasAfter(last);
        return { records, ...(more ? { next_cursor: String(last) } : {}) };
      }
    }
    return { records };
  }

  async #hasAfter(seq: number): Promise<boolean> {
    for await (const _ of this.kv.list({ prefix: REC, start: [...REC, seq + 1] }, { limit: 1 })) {
      return true;
    }
    return false;
  }

  /** Verifies the whole kept chain from its anchor; reports the first broken link. */
  async verify(): Promise<ChainVerdict & { anchor: ChainAnchor }> {
    await this.idle();
    const anchor = (await this.kv.get<ChainAnchor>(ANCHOR)).value ?? ORIGIN;
    const head = (await this.kv.get<ChainAnchor>(HEAD)).value ?? ORIGIN;
    const kept = this.kv.list<AuditRecord>({ prefix: REC });
    const records: AuditRecord[] = [];
    for await (const e of kept) records.push(e.value);
    const v = verifyChain(records, anchor);
    if (v.ok && (v.head.seq !== head.seq || v.head.hash !== head.hash)) {
      // Records after the last kept one were removed, or the head was rewritten.
      return {
        ok: false,
        checked: v.checked,
        seq: v.head.seq + 1,
        reason: "missing record",
        anchor,
      };
    }
    return { ...v, anchor };
  }

  /**
   * Deletes records older than the retention (always keeping the newest), moving the anchor
   * to the last deleted record so the rest still verifies. Returns how many were deleted.
   */
  prune(): Promise<number> {
    const run = this.#tail.then(async () => {
      if (this.opts.retentionDays <= 0) return 0;
      const cutoff = new Date(this.#now().getTime() - this.opts.retentionDays * 86_400_000)
        .toISOString();
      const all: AuditRecord[] = [];
      for await (const e of this.kv.list<AuditRecord>({ prefix: REC })) all.push(e.value);
      const plan = prunePlan(all, cutoff);
      if (!plan.anchor) return 0;
      // Delete oldest first, moving the anchor with each batch, so a crash halfway leaves a
      // chain that still verifies.
      for (let i = 0; i < plan.delete.length; i += 500) {
        const batch = plan.delete.slice(i, i + 500);
        const lastSeq = batch[batch.length - 1];
        const last = all.find((r) => r.seq === lastSeq)!;
        const op = this.kv.atomic();
        for (const seq of batch) op.delete([...REC, seq]);
        op.set(ANCHOR, { seq: last.seq, hash: last.hash });
        await op.commit();
      }
      return plan.delete.length;
    });
    this.#tail = run.catch(() => {});
    return run;
  }
}

function matches(r: AuditRecord, q: AuditQuery): boolean {
  return (q.actor === undefined || r.actor === q.actor) &&
    (q.action === undefined || r.action === q.action || r.action.startsWith(`${q.action}.`)) &&
    (q.target === undefined || r.target === q.target) &&
    (q.outcome === undefined || r.outcome === q.outcome) &&
    (q.since === undefined || r.at >= q.since) &&
    (q.until === undefined || r.at <= q.until);
}
