import type { AclMessage } from "../acl/mod.ts";
import type { Delivery, RouteOutcome } from "../routing/mod.ts";

/** One routed message as the history keeps it. */
export interface HistoryEntry {
  /** Position in this node's history (increasing; the cursor counts in it). */
  seq: number;
  message_id: string;
  accepted_at: string;
  origin?: Delivery["origin"];
  message: AclMessage;
  receivers: RouteOutcome[];
  /** Estimated size, counted against the byte budget. */
  bytes: number;
  /** The content was too big to keep across a restart (see `kv-store.ts`). */
  content_omitted?: true;
  /** Recorded when routed, but its delivery failed: no longer part of the history. */
  discarded?: true;
}

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

/** What changed in a history since the last {@link MessageHistory.takeChanges}. */
export interface HistoryChanges {
  /** Entries added and still kept, oldest first. */
  added: HistoryEntry[];
  /** Positions (`seq`) of entries dropped that were there before. */
  dropped: number[];
}

/** A history query. */
export interface HistoryQuery {
  conversation_id?: string;
  /** Further filter (e.g. messages from or to one agent). */
  match?: (e: HistoryEntry) => boolean;
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
 * bytes, in memory. Pages are addressed by cursors that stay valid while their position is
 * still in the ring. With `trackChanges`, it also notes what was added and dropped, so a
 * store can persist it ({@link takeChanges}) and a restart can {@link restore} it.
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
  #ring: (HistoryEntry | undefined)[];
  /** Index of the oldest entry in the ring. */
  #head = 0;
  #size = 0;
  #bytes = 0;
  #seq = 0;
  /** Entries in the ring that were discarded (their delivery failed). */
  #discarded = 0;
  /** Added since the last {@link takeChanges} (by seq), when changes are tracked. */
  #added: Map<number, HistoryEntry> | undefined;
  #dropped: number[] = [];

  constructor(limits: Partial<HistoryLimits> = {}, opts: { trackChanges?: boolean } = {}) {
    this.limits = { ...DEFAULT_HISTORY_LIMITS, ...limits };
    if (!(this.limits.maxEntries >= 1)) throw new RangeError("maxEntries must be at least 1");
    this.#ring = new Array(this.limits.maxEntries);
    if (opts.trackChanges) this.#added = new Map();
  }

  /** What was added and dropped since the last call (only with `trackChanges`). */
  takeChanges(): HistoryChanges {
    const out = { added: [...(this.#added?.values() ?? [])], dropped: this.#dropped };
    this.#added?.clear();
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
    for (const e of sorted) if (e.seq > this.#seq) this.#push({ ...e });
    this.#added = tracking;
    if (tracking === undefined) return;
    // Restored entries the bounds did not keep are to go from the store too.
    const kept = new Set<number>();
    for (let k = 0; k < this.#size; k++) kept.add(this.#at(k).seq);
    for (const e of sorted) if (!kept.has(e.seq)) this.#dropped.push(e.seq);
  }

  /**
   * Adds entries recorded elsewhere (an agent's messages that came with it from another
   * node), in their order, as the newest; entries whose message id is already here are
   * skipped. Returns how many were added.
   */
  adopt(entries: readonly HistoryEntry[]): number {
    const have = new Set<string>();
    for (let k = 0; k < this.#size; k++) have.add(this.#at(k).message_id);
    let n = 0;
    for (const e of entries) {
      if (have.has(e.message_id)) continue;
      have.add(e.message_id);
      this.#push({ ...e, seq: this.#seq + 1 });
      n++;
    }
    return n;
  }

  /** Drops the entries accepted before `cutoff` (ISO 8601), oldest first; returns how many. */
  dropAcceptedBefore(cutoff: string): number {
    const at = Date.parse(cutoff);
    let n = 0;
    while (this.#size > 0 && Date.parse(this.#ring[this.#head]!.accepted_at) < at) {
      this.#dropOldest();
      n++;
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

  /** Records a routed message. */
  add(d: Delivery, receivers: RouteOutcome[]): HistoryEntry {
    const entry: HistoryEntry = {
      seq: this.#seq + 1,
      message_id: d.message_id,
      accepted_at: d.accepted_at,
      message: d.message,
      receivers,
      bytes: estimate(d.message),
    };
    if (d.origin !== undefined) entry.origin = d.origin;
    return this.#push(entry);
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
    if (this.#added !== undefined && this.#contains(entry)) this.#added.set(entry.seq, entry);
  }

  /** Takes out an entry recorded when routed whose delivery then failed. */
  discard(entry: HistoryEntry): void {
    if (entry.discarded || !this.#contains(entry)) return;
    entry.discarded = true;
    this.#discarded++;
    this.#bytes -= entry.bytes;
    if (this.#added !== undefined && !this.#added.delete(entry.seq)) this.#dropped.push(entry.seq);
  }

  /** Whether the entry is still in the ring (not pushed out by the bounds). */
  #contains(entry: HistoryEntry): boolean {
    return this.#size > 0 && entry.seq >= this.#at(0).seq;
  }

  #push(entry: HistoryEntry): HistoryEntry {
    this.#seq = entry.seq;
    this.#added?.set(entry.seq, entry);
    const cap = this.limits.maxEntries;
    if (this.#size === cap) this.#dropOldest();
    this.#ring[(this.#head + this.#size) % cap] = entry;
    this.#size++;
    this.#bytes += entry.bytes;
    while (this.#bytes > this.limits.maxBytes && this.#size > 1) this.#dropOldest();
    return entry;
  }

  #dropOldest(): void {
    const e = this.#ring[this.#head];
    this.#ring[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.limits.maxEntries;
    this.#size--;
    if (e?.discarded) this.#discarded--;
    else if (e) {
      this.#bytes -= e.bytes;
      if (this.#added !== undefined && !this.#added.delete(e.seq)) this.#dropped.push(e.seq);
    }
  }

  #at(i: number): HistoryEntry {
    return this.#ring[(this.#head + i) % this.limits.maxEntries]!;
  }

  /** A page of matching messages; the cursor is opaque (a position in the history). */
  query(q: HistoryQuery): HistoryPage {
    const desc = q.order === "desc";
    const after = q.cursor === undefined ? undefined : parseCursor(q.cursor);
    const matches = (e: HistoryEntry) =>
      (q.conversation_id === undefined || e.message.conversation_id === q.conversation_id) &&
      (q.match === undefined || q.match(e));
    const entries: HistoryEntry[] = [];
    let total = 0;
    let more = false;
    for (let k = 0; k < this.#size; k++) {
      const e = this.#at(desc ? this.#size - 1 - k : k);
      if (e.discarded || !matches(e)) continue;
      total++;
      if (after !== undefined && (desc ? e.seq >= after : e.seq <= after)) continue;
      if (entries.length < q.limit) entries.push(e);
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
