/**
 * Deno KV mutations as values ({@link KvOp}) and the sizes Deno KV counts, so that callers
 * can keep each atomic commit inside its limits (1,000 mutations, 800 KB of values, 80 KB
 * of keys): {@link fitsOneCommit}, {@link splitCommits}.
 * @module
 */

/** One mutation: a set (`value` present) or a delete. */
export interface KvOp {
  key: Deno.KvKey;
  value?: unknown;
  /** Milliseconds until Deno KV drops the entry (sets only). */
  expireIn?: number;
  /**
   * The length of `value` as JSON, when the caller measured it already: sizing the commits
   * then does not serialize the value once more.
   */
  jsonChars?: number;
  /**
   * The bytes `value` takes in Deno KV, when the caller measured them (a string known to be
   * one byte per character, say): sizing the commits then does not guess.
   */
  bytes?: number;
}

/** Budget of one atomic commit, kept well inside Deno KV's limits. */
export const MAX_OPS = 400;
/** Bytes of values one commit carries at most (Deno KV allows 800 KB). */
export const MAX_VALUE_BYTES = 600_000;
/** Bytes of keys one commit carries at most (Deno KV allows 80 KB). */
export const MAX_KEY_BYTES = 60_000;

/**
 * Bytes a string takes as a Deno KV value: one per character, two each once any is past
 * U+00FF (V8 keeps it as a two-byte string then).
 */
export function textBytes(text: string): number {
  return /[\u0100-\uffff]/.test(text) ? text.length * 2 : text.length;
}

/** A value kept as JSON text, parsed; `undefined` when it is not a string of valid JSON. */
export function parseJsonText(v: unknown): unknown {
  if (typeof v !== "string") return undefined;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

/** Rough size of an op's value as Deno KV counts it. */
export function valueBytes(op: KvOp): number {
  const v = op.value;
  if (v === undefined) return 0;
  if (op.bytes !== undefined) return op.bytes + 16;
  if (v instanceof Uint8Array) return v.length + 16;
  if (typeof v === "string") return v.length * 3 + 16;
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return 16;
  if (op.jsonChars !== undefined) return op.jsonChars + 64;
  return JSON.stringify(v, (_k, x) => typeof x === "bigint" ? x.toString() : x).length + 64;
}

/** Rough size of a key as Deno KV counts it. */
export function keyBytes(key: Deno.KvKey): number {
  let n = 4;
  for (const p of key) n += typeof p === "string" ? p.length * 3 + 2 : 10;
  return n;
}

/** Whether `ops` fit in one atomic commit. */
export function fitsOneCommit(ops: readonly KvOp[]): boolean {
  if (ops.length > MAX_OPS) return false;
  let v = 0;
  let k = 0;
  for (const op of ops) {
    v += valueBytes(op);
    k += keyBytes(op.key);
  }
  return v <= MAX_VALUE_BYTES && k <= MAX_KEY_BYTES;
}

/** Splits `ops` into groups that each fit in one commit, in order. */
export function splitCommits(ops: readonly KvOp[]): KvOp[][] {
  const out: KvOp[][] = [];
  let cur: KvOp[] = [];
  let v = 0;
  let k = 0;
  for (const op of ops) {
    const ov = valueBytes(op);
    const ok = keyBytes(op.key);
    if (
      cur.length > 0 &&
      (cur.length >= MAX_OPS || v + ov > MAX_VALUE_BYTES || k + ok > MAX_KEY_BYTES)
    ) {
      out.push(cur);
      cur = [];
      v = 0;
      k = 0;
    }
    cur.push(op);
    v += ov;
    k += ok;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Adds `op` to `atomic`: a set when it has a value, else a delete. */
export function addTo(atomic: Deno.AtomicOperation, op: KvOp): void {
  if (op.value === undefined) atomic.delete(op.key);
  else atomic.set(op.key, op.value, op.expireIn !== undefined ? { expireIn: op.expireIn } : {});
}
