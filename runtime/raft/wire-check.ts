/**
 * The happy path of validating a decoded Raft frame: a hand-written check that a message as
 * `wire.ts` decoded it (its keys and value types fixed by the decoder) certainly passes
 * `MessageSchema`, for the frequent kinds: appends of normal and no-op entries, their
 * answers, heartbeats and their answers. A 25-node leader decodes ~25 answers per commit and
 * a learner one append per pace; the schema's walk of each was ~5 % of their busy time.
 * `false` does not mean invalid: `decodeMessage` asks the schema then, for its verdict and
 * its message. `tests/unit/raft/wire-check.test.ts` checks, with seeded property tests,
 * that wherever this says `true` the schema accepts the message and returns an equal one.
 * @module
 */
import type { Message } from "./messages.ts";
import { MAX_ENTRIES_PER_MESSAGE } from "./messages.ts";

const MAX_NODE_ID = 256;

/** `IndexSchema`: a non-negative safe integer. */
function isIndex(v: unknown): boolean {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

/** `NodeIdSchema`: 1 to 256 UTF-16 code units. */
function isNodeId(v: unknown): boolean {
  return typeof v === "string" && v.length >= 1 && v.length <= MAX_NODE_ID;
}

/** The entries of an append: normal or no-op, contiguous after `prevIndex`, terms in order. */
function areEntries(m: Record<string, unknown>): boolean {
  const entries = m.entries;
  if (!Array.isArray(entries) || entries.length > MAX_ENTRIES_PER_MESSAGE) return false;
  const prevIndex = m.prevIndex as number;
  let lastTerm = m.prevTerm as number;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.type !== "normal" && e.type !== "noop") return false;
    if (e.type === "normal" && !(e.data instanceof Uint8Array)) return false;
    if (!isIndex(e.index) || !isIndex(e.term)) return false;
    if (e.index !== prevIndex + 1 + i) return false;
    if (e.term > (m.term as number) || e.term < lastTerm) return false;
    lastTerm = e.term;
  }
  return true;
}

/**
 * Whether `raw`, a message as `decodeMessage` read it from bytes, certainly passes
 * `MessageSchema` unchanged: an `append` of normal or no-op entries, an `appendResp`, a
 * `heartbeat` or a `heartbeatResp` with every index a non-negative safe integer and both
 * ids of the allowed length. Pure; `false` for anything else, valid or not.
 */
export function isWellFormedFrame(raw: Record<string, unknown>): raw is Message {
  if (!isIndex(raw.term) || !isNodeId(raw.from) || !isNodeId(raw.to)) return false;
  switch (raw.type) {
    case "append":
      return isIndex(raw.prevIndex) && isIndex(raw.prevTerm) && isIndex(raw.commit) &&
        areEntries(raw);
    case "appendResp":
      return isIndex(raw.index) && typeof raw.reject === "boolean" &&
        isIndex(raw.rejectHint) && isIndex(raw.logTerm);
    case "heartbeat":
      return isIndex(raw.commit) && isIndex(raw.readSeq);
    case "heartbeatResp":
      return isIndex(raw.readSeq);
    default:
      return false;
  }
}
