import { createHash } from "node:crypto";

/**
 * The audit chain, pure: each record carries the hash of the one before, so an edited,
 * inserted or removed record breaks a link that {@link verifyChain} reports. No clock, no I/O.
 * @module
 */

/**
 * How an audited operation ended. `unknown`: only a record recovered after a crash (see
 * `intent.ts`) whose directory write's outcome the node could no longer establish.
 */
export type AuditOutcome = "ok" | "refused" | "failed" | "unknown";

/** What happened, before it is chained. */
export interface AuditEvent {
  /** ISO 8601 time. */
  at: string;
  /** Who: a token subject, `anonymous`, a key id, a peer. */
  actor: string;
  /** What, e.g. `agent.deploy`, `auth.token`, `message.sender`, `agent.signature`. */
  action: string;
  /** On what: an agent name, a path. */
  target: string;
  outcome: AuditOutcome;
  trace_id?: string;
  /** Extra facts: the error code, the reason, the HTTP status. */
  details?: Record<string, string | number | boolean>;
}

/** A chained record. */
export interface AuditRecord extends AuditEvent {
  /** 1, 2, 3, ... in order of appending. */
  seq: number;
  /** The previous record's hash ({@link GENESIS} for the first). */
  prev: string;
  /** SHA-256 (hex) of this record without `hash`. */
  hash: string;
}

/** The `prev` of the first record ever. */
export const GENESIS = "0".repeat(64);

/** Where a chain (or what is left of it after pruning) starts. */
export interface ChainAnchor {
  /** The seq of the last record before the first one kept (0: none pruned). */
  seq: number;
  /** Its hash ({@link GENESIS} when none was pruned). */
  hash: string;
}

/** The anchor of an unpruned chain. */
export const ORIGIN: ChainAnchor = { seq: 0, hash: GENESIS };

function canonical(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${
    Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) =>
      `${JSON.stringify(k)}:${canonical(o[k])}`
    ).join(",")
  }}`;
}

/** The hash a record must carry: SHA-256 over its canonical JSON without `hash`. */
export function recordHash(r: Omit<AuditRecord, "hash">): string {
  const { hash: _ignored, ...rest } = r as AuditRecord;
  return createHash("sha256").update(canonical(rest)).digest("hex");
}

/** The record that follows `head` (the last record, or the anchor of an empty log). */
export function chainNext(head: ChainAnchor, e: AuditEvent): AuditRecord {
  const r = { ...e, seq: head.seq + 1, prev: head.hash };
  return { ...r, hash: recordHash(r) };
}

/** The verdict on a chain. */
export type ChainVerdict =
  | { ok: true; checked: number; head: ChainAnchor }
  | {
    ok: false;
    checked: number;
    /** The first record that does not hold (or the seq expected where one is missing). */
    seq: number;
    reason: "edited" | "broken link" | "missing record";
  };

/**
 * Verifies records in seq order from `anchor`: each must hash to its `hash`, follow the one
 * before by seq, and name its hash as `prev`. Reports the first broken link.
 */
export function verifyChain(records: Iterable<AuditRecord>, anchor: ChainAnchor): ChainVerdict {
  let head = anchor;
  let checked = 0;
  for (const r of records) {
    if (r.seq !== head.seq + 1) {
      return { ok: false, checked, seq: head.seq + 1, reason: "missing record" };
    }
    if (recordHash(r) !== r.hash) return { ok: false, checked, seq: r.seq, reason: "edited" };
    if (r.prev !== head.hash) return { ok: false, checked, seq: r.seq, reason: "broken link" };
    head = { seq: r.seq, hash: r.hash };
    checked++;
  }
  return { ok: true, checked, head };
}

/**
 * What pruning keeps: records at or after `cutoff` (ISO time), and always the newest one, so
 * the head stays. Returns the records to delete and the new anchor (the last deleted one).
 */
export function prunePlan(
  oldestFirst: readonly Pick<AuditRecord, "seq" | "at" | "hash">[],
  cutoff: string,
): { delete: number[]; anchor?: ChainAnchor } {
  const del: number[] = [];
  let anchor: ChainAnchor | undefined;
  for (let i = 0; i < oldestFirst.length - 1; i++) {
    const r = oldestFirst[i];
    if (r.at >= cutoff) break;
    del.push(r.seq);
    anchor = { seq: r.seq, hash: r.hash };
  }
  return { delete: del, anchor };
}
