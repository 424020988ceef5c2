import { entrySize } from "./log.ts";
import type { Message, MessageOf } from "./messages.ts";

/**
 * Joins appends to the same peer that continue one another (pure). Within one ready cycle
 * a leader often has two appends for a follower: the commit notice of the entries that just
 * committed (empty) and the entries of the proposals queued meanwhile, or two batches of
 * entries. One message carrying both, with the later commit index, says the same to the
 * follower in one frame, one save and one acknowledgement.
 * @module
 */

/**
 * `msgs` with every append that continues the previous append to the same peer (same term,
 * `prevIndex` right after its entries, within `maxEntries` and `maxBytes`) joined into it.
 * Any other message to that peer in between ends the run, so the order of what a peer
 * receives is kept.
 *
 * @example
 * ```ts
 * const base = { type: "append", term: 2, from: "a", to: "b", prevTerm: 2 } as const;
 * coalesceAppends([
 *   { ...base, prevIndex: 4, entries: [], commit: 4 },
 *   { ...base, prevIndex: 4, entries: [e5], commit: 4 },
 * ], 64, 1 << 20); // one append: prevIndex 4, entries [e5], commit 4
 * ```
 */
export function coalesceAppends(msgs: Message[], maxEntries: number, maxBytes: number): Message[] {
  if (msgs.length < 2) return msgs;
  const out: Message[] = [];
  const open = new Map<string, { at: number; bytes: number }>();
  for (const m of msgs) {
    if (m.type !== "append") {
      open.delete(m.to);
      out.push(m);
      continue;
    }
    const bytes = m.entries.reduce((n, e) => n + entrySize(e), 0);
    const run = open.get(m.to);
    if (run) {
      const prev = out[run.at] as MessageOf<"append">;
      if (
        prev.term === m.term && m.prevIndex === prev.prevIndex + prev.entries.length &&
        prev.entries.length + m.entries.length <= maxEntries && run.bytes + bytes <= maxBytes
      ) {
        out[run.at] = {
          ...prev,
          entries: prev.entries.length === 0 ? m.entries : [...prev.entries, ...m.entries],
          commit: Math.max(prev.commit, m.commit),
        };
        run.bytes += bytes;
        continue;
      }
    }
    open.set(m.to, { at: out.length, bytes });
    out.push(m);
  }
  return out;
}
