import type { AclMessage } from "../acl/mod.ts";
import type { Delivery, RouteOutcome } from "../routing/mod.ts";
import type { HistoryEntry } from "./history-entry.ts";
import { entryText, messageIdOf, storedEntry, storedText } from "./history-text.ts";

export type { HistoryEntry } from "./history-entry.ts";

/** Bounds of a {@link MessageHistory}. */
export interface HistoryLimits {
  /** Messages kept at most (the oldest go first). */
  maxEntries: number;
  /** Estimated bytes kept at most (the oldest go first). */
  maxBytes: number;
}

/** The default bounds: 10 000 messages, 16 MiB. */
export const DEFAULT_HISTORY_LIMITS: HistoryLimits = {
  maxEntries: 10_000,
  maxBytes: 16 * 1024 * 1024,
};

/** An entry's stored form: its position and JSON text (see `history-text.ts`). */
export interface HistoryText {
  seq: number;
  text: string;
}

/** What changed in a history since the last {@link MessageHistory.takeChanges}. */
export interface HistoryChanges {
  /** Entries added (or settled) and still kept, oldest first, as the store keeps them. */
  added: HistoryText[];
  /** Positions (`seq`) of entries dropped that were there before. */
  dropped: number[];
}

/** A history query. */
export interface HistoryQuery {
  conversation_id?: string;
  /** Further filter (e.g. messages from or to one agent). */
  match?: (e: HistoryEntry) => boolean;
  /**
   * A string the JSON text of every entry `match` takes contains (entries without it are
   * not parsed to be asked).
   */
  mentions?: string;
  /** Page size. */
  limit: number;
  /** Continue after this cursor (a `next_cursor` of an earlier page). */
  cursor?: string;
  /** `asc`: oldest first (default); `desc`: newest first. */
  order?: "asc" | "desc";
}

/** A page of history. */
export interface HistoryPage {
  entries: HistoryEntry[];
  /** Matching messages in the history (all pages). */
  total: number;
  /** Cursor of the next page, when there is one. */
  next_cursor?: string;
}

/** Estimated bytes of a message (its content dominates). */
function estimate(m: AclMessage): number {
  const c = m.content;
  const content = c === undefined
    ? 0
    : typeof c === "string"
    ? c.length
    : typeof c === "object"
    ? JSON.stringify(c).length
    : 16;
  return 256 + 64 * m.receivers.length + content;
}

/**
 * The messages this node routed, newest kept: a ring bounded by count and by estimated
 * bytes, in memory. A settled entry is kept as its JSON text (one flat string per message:
 * ten thousand live message graphs cost every garbage collection more than the rest of the
 * service). An entry recorded when routed ({@link add} with `pending`) stays an object until
 * its outcomes are {@link settle}d; with `trackChanges`, a settled entry stays an object until
 * the store takes it ({@link takeChanges} serializes it once, for the store and the ring
 * alike; an entry pushed out before is never serialized). Queries give entries back as
 * objects (parsed for the page). Pages are addressed by cursors that stay valid while their
 * position is still in the ring. With `trackChanges`, it also notes what was added and
 * dropped, so a store can persist it and a restart can {@link restore} it.
 *
 * @example
 * ```ts
 * const h = new MessageHistory({ maxEntries: 1000 });
 * router.addObserver((d, out) => h.add(d, out));
 * h.query({ conversation_id: "c1", limit: 50 }).entries;
 * ```
 */
export class MessageHistory {
  readonly limits: HistoryLimits;
  // The ring, as parallel arrays (no object per message besides its text).
  /** Each entry's position. */
  readonly #seqs: Float64Array;
  /** Each entry's estimated bytes. */
  readonly #sizes: Float64Array;
  /** 1: discarded (its delivery failed). */
  readonly #gone: Uint8Array;
  /** Each entry's conversation id. */
  readonly #cids: (string | undefined)[];
  /** Each entry: its JSON text, or the entry itself (pending, or not yet taken). */
  readonly #items: (string | HistoryEntry | undefined)[];
  /** 1: recorded when routed, not settled yet. */
  readonly #pending: Uint8Array;
  /** Index of the oldest entry in the ring. */
  #head = 0;
  #size = 0;
  #bytes = 0;
  #seq = 0;
  /** Entries in the ring that were discarded (their delivery failed). */
  #discarded = 0;
  /** Positions added or settled since the last {@link takeChanges}, when changes are tracked. */
  #added: Set<number> | undefined;
  #dropped: number[] = [];

  constructor(limits: Partial<HistoryLimits> = {}, opts: { trackChanges?: boolean } = {}) {
    this.limits = { ...DEFAULT_HISTORY_LIMITS, ...limits };
    const cap = this.limits.maxEntries;
    if (!(cap >= 1)) throw new RangeError(`maxEntries must be at least 1, got ${cap}`);
    this.#seqs = new Float64Array(cap);
    this.#sizes = new Float64Array(cap);
    this.#gone = new Uint8Array(cap);
    this.#pending = new Uint8Array(cap);
    this.#cids = new Array(cap).fill(undefined);
    this.#items = new Array(cap).fill(undefined);
    if (opts.trackChanges) this.#added = new Set();
  }

  /** What was added and dropped since the last call (only with `trackChanges`). */
  takeChanges(): HistoryChanges {
    const added: HistoryText[] = [];
    const seqs = this.#added;
    if (seqs !== undefined) {
      for (const seq of seqs) {
        const i = this.#indexOf(seq);
        if (i < 0 || this.#gone[i] === 1) continue;
        const item = this.#items[i]!;
        let text: string;
        if (typeof item === "string") text = item;
        else if (this.#pending[i] === 1) {
          added.push({ seq, text: JSON.stringify(storedEntry(item)) });
          continue;
        } else this.#items[i] = text = entryText(item);
        added.push({ seq, text: storedText(text, this.#sizes[i]) });
      }
      seqs.clear();
    }
    const out = { added, dropped: this.#dropped };
    this.#dropped = [];
    return out;
  }

  /**
   * Puts back entries kept before a restart (any order; the bounds apply, newest kept).
   * Positions continue after the largest restored one. Not reported as changes.
   */
  restore(entries: readonly HistoryEntry[]): void {
    const sorted = [...entries].sort((a, b) => a.seq - b.seq);
    const tracking = this.#added;
    this.#added = undefined;
    for (const e of sorted) if (e.seq > this.#seq) this.#push(e, entryText(e), false);
    this.#added = tracking;
    if (tracking === undefined) return;
    // Restored entries the bounds did not keep are to go from the store too.
    const kept = new Set<number>();
    for (let k = 0; k < this.#size; k++) kept.add(this.#seqs[this.#at(k)]);
    for (const e of sorted) if (!kept.has(e.seq)) this.#dropped.push(e.seq);
  }

  /**
   * Adds entries recorded elsewhere (an agent's messages that came with it from another
   * node), in their order, as the newest; entries whose message id is already here are
   * skipped. Returns how many were added.
   */
  adopt(entries: readonly HistoryEntry[]): number {
    const have = new Set<string>();
    for (let k = 0; k < this.#size; k++) {
      const item = this.#items[this.#at(k)];
      if (item !== undefined) {
        have.add(typeof item === "string" ? messageIdOf(item) : item.message_id);
      }
    }
    let n = 0;
    for (const e of entries) {
      if (have.has(e.message_id)) continue;
      have.add(e.message_id);
      const entry = { ...e, seq: this.#seq + 1 };
      this.#push(entry, entryText(entry), false);
      n++;
    }
    return n;
  }

  /** Drops the entries accepted before `cutoff` (ISO 8601), oldest first; returns how many. */
  dropAcceptedBefore(cutoff: string): number {
    const at = Date.parse(cutoff);
    let n = 0;
    while (this.#size > 0) {
      const i = this.#head;
      if (this.#gone[i] === 0) {
        if (!(Date.parse(this.#entry(i).accepted_at) < at)) break;
        n++;
      }
      this.#dropOldest();
    }
    return n;
  }

  /** Messages kept now. */
  get size(): number {
    return this.#size - this.#discarded;
  }

  /** Estimated bytes kept now. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Records a routed message. `pending`: its outcomes are not known yet ({@link settle} or
   * {@link discard} follow), so the entry stays an object until then.
   */
  add(d: Delivery, receivers: RouteOutcome[], pending = false): HistoryEntry {
    const entry: HistoryEntry = {
      seq: this.#seq + 1,
      message_id: d.message_id,
      accepted_at: d.accepted_at,
      message: d.message,
      receivers,
      bytes: estimate(d.message),
    };
    if (d.origin !== undefined) entry.origin = d.origin;
    // Serialized when the store takes it (or now, without a store).
    this.#push(entry, pending || this.#added !== undefined ? entry : entryText(entry), pending);
    return entry;
  }

  /**
   * Sets the outcomes of an entry recorded when its message was routed (see
   * {@link ConversationService}: the history keeps the order in which messages were routed,
   * not the order in which their deliveries ended — a send-and-wait's request ends after the
   * reply it caused).
   */
  settle(entry: HistoryEntry, receivers: RouteOutcome[]): void {
    if (entry.discarded) return;
    entry.receivers = receivers;
    const i = this.#indexOf(entry.seq);
    if (i < 0 || this.#gone[i] === 1) return;
    this.#pending[i] = 0;
    if (this.#added === undefined) this.#items[i] = entryText(entry);
    else {
      this.#items[i] = entry;
      this.#added.add(entry.seq);
    }
  }

  /** Takes out an entry recorded when routed whose delivery then failed. */
  discard(entry: HistoryEntry): void {
    if (entry.discarded) return;
    const i = this.#indexOf(entry.seq);
    if (i < 0 || this.#gone[i] === 1) return;
    entry.discarded = true;
    this.#gone[i] = 1;
    this.#items[i] = undefined;
    this.#discarded++;
    this.#bytes -= this.#sizes[i];
    if (this.#added !== undefined && !this.#added.delete(entry.seq)) this.#dropped.push(entry.seq);
  }

  /** The ring index of the entry at position `seq`, or -1 when it is not in the ring. */
  #indexOf(seq: number): number {
    const n = this.#size;
    if (n === 0) return -1;
    // Usually one of the newest: positions are consecutive since the last restore.
    const guess = n - 1 - (this.#seq - seq);
    if (guess >= 0 && guess < n && this.#seqs[this.#at(guess)] === seq) return this.#at(guess);
    let lo = 0;
    let hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.#seqs[this.#at(mid)];
      if (s === seq) return this.#at(mid);
      if (s < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  #push(entry: HistoryEntry, item: string | HistoryEntry, pending: boolean): void {
    this.#seq = entry.seq;
    this.#added?.add(entry.seq);
    const cap = this.limits.maxEntries;
    if (this.#size === cap) this.#dropOldest();
    const i = (this.#head + this.#size) % cap;
    this.#seqs[i] = entry.seq;
    this.#sizes[i] = entry.bytes;
    this.#gone[i] = 0;
    this.#pending[i] = pending ? 1 : 0;
    this.#cids[i] = entry.message.conversation_id;
    this.#items[i] = item;
    this.#size++;
    this.#bytes += entry.bytes;
    while (this.#bytes > this.limits.maxBytes && this.#size > 1) this.#dropOldest();
  }

  #dropOldest(): void {
    const i = this.#head;
    const seq = this.#seqs[i];
    const gone = this.#gone[i] === 1;
    this.#items[i] = undefined;
    this.#cids[i] = undefined;
    this.#head = (i + 1) % this.limits.maxEntries;
    this.#size--;
    if (gone) this.#discarded--;
    else {
      this.#bytes -= this.#sizes[i];
      if (this.#added !== undefined && !this.#added.delete(seq)) this.#dropped.push(seq);
    }
  }

  /** The ring index of the `k`-th oldest entry. */
  #at(k: number): number {
    return (this.#head + k) % this.limits.maxEntries;
  }

  /** The entry at ring index `i` as an object (parsed from its text once settled). */
  #entry(i: number): HistoryEntry {
    const item = this.#items[i]!;
    return typeof item === "string" ? JSON.parse(item) as HistoryEntry : item;
  }

  /** A page of matching messages; the cursor is opaque (a position in the history). */
  query(q: HistoryQuery): HistoryPage {
    const desc = q.order === "desc";
    const after = q.cursor === undefined ? undefined : parseCursor(q.cursor);
    const { conversation_id: cid, match, mentions } = q;
    const entries: HistoryEntry[] = [];
    let total = 0;
    let more = false;
    for (let k = 0; k < this.#size; k++) {
      const i = this.#at(desc ? this.#size - 1 - k : k);
      if (this.#gone[i] === 1 || (cid !== undefined && this.#cids[i] !== cid)) continue;
      let e: HistoryEntry | undefined;
      if (match !== undefined) {
        const item = this.#items[i]!;
        if (mentions !== undefined && typeof item === "string" && !item.includes(mentions)) {
          continue;
        }
        e = this.#entry(i);
        if (!match(e)) continue;
      }
      total++;
      const seq = this.#seqs[i];
      if (after !== undefined && (desc ? seq >= after : seq <= after)) continue;
      if (entries.length < q.limit) entries.push(e ?? this.#entry(i));
      else more = true;
    }
    const page: HistoryPage = { entries, total };
    if (more && entries.length > 0) page.next_cursor = cursorOf(entries[entries.length - 1].seq);
    return page;
  }
}

function cursorOf(seq: number): string {
  return `c${seq.toString(36)}`;
}

function parseCursor(s: string): number {
  const n = /^c[0-9a-z]{1,11}$/.test(s) ? parseInt(s.slice(1), 36) : NaN;
  if (!Number.isSafeInteger(n)) throw new RangeError(`invalid cursor '${s.slice(0, 40)}'`);
  return n;
}
