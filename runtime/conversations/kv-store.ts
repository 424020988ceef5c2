import { z } from "zod";
import { AclMessageSchema } from "../acl/mod.ts";
import { commitOps, type KvOp } from "../agents/kv-batch.ts";
import { parseJsonText, textBytes } from "../agents/kv-ops.ts";
import type { Logger } from "../log/mod.ts";
import {
  type TrackerState,
  trackerStateFromJson,
  TrackerStateSchema,
  trackerStateToJson,
} from "../../protocols/mod.ts";
import type { HistoryChanges, HistoryEntry } from "./history.ts";
import { OWN_KEY, shardPageKey, ShardPages } from "./shard-pages.ts";
import { MAX_STORED_ENTRY_BYTES } from "./history-text.ts";

export { MAX_STORED_ENTRY_BYTES, storedEntry } from "./history-text.ts";

/**
 * Where earlier versions kept the message history, one key per message:
 * `[...HISTORY_PREFIX, seq]` → entry. Still read (and removed as those messages go).
 */
export const HISTORY_PREFIX = ["conversations", "history"] as const;
/**
 * Where the message history is kept: `[...HISTORY_PAGE_PREFIX, page]` → the JSON text of an
 * array of entries, the entries one group commit wrote (a Deno KV key costs about 16 µs of
 * CPU to write or delete, so one key per message and one delete per message pushed out cost
 * more than the rest of the history together). An entry written again (its outcomes settled
 * later) is in a later page, which wins; a page is deleted once none of its entries is
 * current.
 */
export const HISTORY_PAGE_PREFIX = ["conversations", "history-pages"] as const;
/**
 * A page holds entries up to this many characters of JSON (a Deno KV value holds at most
 * 64 KiB; a string of characters past U+00FF takes two bytes each). A bigger entry
 * (up to {@link MAX_STORED_ENTRY_BYTES}) gets a page of its own.
 */
export const HISTORY_PAGE_CHARS = 30_000;
/**
 * Where earlier versions kept trackers, one key per shard: `[...TRACKER_PREFIX, agent,
 * conversation id]` → the shard as JSON text (or, earlier still, as a value). Still read, and
 * deleted once the shard is written again or forgotten.
 */
export const TRACKER_PREFIX = ["conversations", "trackers"] as const;
/**
 * Where tracker shards are kept: `[...TRACKER_PAGE_PREFIX, page]` → the JSON text of an
 * array of `[agent, conversation id, state]` (`state` `null`: a tombstone, the shard was
 * forgotten), the shards one group commit wrote (a contract net with 100 bidders changes
 * about 120 shards: one key each cost Deno KV more than their bytes). The newest page
 * holding a shard wins; a page goes once none of its versions is current
 * ({@link ShardPages}).
 */
export const TRACKER_PAGE_PREFIX = ["conversations", "tracker-pages"] as const;
/** A tracker page holds shards up to this many characters of JSON (a bigger one gets its own). */
export const TRACKER_PAGE_CHARS = 30_000;
/**
 * Versions of shards no longer current the pages may hold beyond the current ones before
 * the oldest page is written again ({@link ShardPages.cleanable}).
 */
const CLEAN_SLACK = 1024;
/** Pages written again at most per write, to keep a write's size bounded. */
const CLEAN_PER_WRITE = 4;

/** Schema of a stored history entry (Deno KV, migration snapshots). */
export const StoredEntrySchema = z.object({
  seq: z.number().int().min(1),
  message_id: z.string().min(1),
  accepted_at: z.string().min(1),
  origin: z.enum(["http", "agent", "peer", "mtp", "platform"]).optional(),
  message: AclMessageSchema,
  receivers: z.array(z.strictObject({
    receiver: z.string(),
    status: z.enum(["delivered", "forwarded"]),
    duplicate: z.boolean().optional(),
    via: z.string().optional(),
  })),
  bytes: z.number().min(0),
  content_omitted: z.literal(true).optional(),
});

/** The `seq` a stored entry claims (checked with the rest of it once it is the newest). */
function seqOf(v: unknown): number | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const seq = (v as { seq?: unknown }).seq;
  return typeof seq === "number" && Number.isSafeInteger(seq) && seq >= 1 ? seq : undefined;
}

/** What a store holds after a restart. */
export interface StoredConversations {
  history: HistoryEntry[];
  trackers: { agent: string; cid: string; state: TrackerState }[];
}

/** A tracker shard change: its state now, or `undefined` when it was forgotten. */
export type TrackerChange = [agent: string, cid: string, state: TrackerState | undefined];

/** A shard's current state, asked to write again the shards of a page being cleaned. */
export type CurrentShard = (agent: string, cid: string) => TrackerState | undefined;

/** A page number, or {@link LEGACY} for an entry under its own key of {@link HISTORY_PREFIX}. */
type Place = number;
const LEGACY: Place = 0;

/**
 * The thin Deno KV shell under the conversation service: writes the changes of the message
 * history (in pages, see {@link HISTORY_PAGE_PREFIX}) and of the trackers, and reads them back
 * after a restart. Values that do not validate (another version, a damaged file) are skipped
 * and logged, never trusted. It remembers which page holds each message it wrote or read, so
 * a page goes once its last current entry is dropped or written again.
 */
export class ConversationKv {
  /** Where the current stored version of each entry is, by `seq`. */
  readonly #where = new Map<number, Place>();
  /** How many current entries each page holds. */
  readonly #live = new Map<number, number>();
  /** Keys to delete with the next write: pages read back with no current entry. */
  #stale: Deno.KvKey[] = [];
  #nextPage = 1;
  /** Whether the page numbers in use are known (read by {@link load} or by the first write). */
  #numbered = false;
  /**
   * The tracker shards in the store and their pages, once read ({@link load}, or the first
   * write): a shard forgotten before it was ever written (a conversation that began and was
   * pushed out of its agent's bounds between two writes) costs nothing.
   */
  #pages: ShardPages | undefined;
  /** Tracker page keys to delete with the next write (read back with no current version). */
  #stalePages: number[] = [];

  constructor(readonly kv: Deno.Kv, readonly log?: Logger) {}

  /** Reads the history (oldest first) and every tracker shard. */
  async load(): Promise<StoredConversations> {
    this.#numbered = true;
    // The newest stored version of each entry (pages are listed in order, after the keys of
    // earlier versions); only those are validated.
    const newest = new Map<number, { value: unknown; place: Place }>();
    for await (const e of this.kv.list({ prefix: [...HISTORY_PREFIX] })) {
      const value = parseJsonText(e.value);
      const seq = seqOf(value);
      if (seq === undefined) {
        this.log?.warn("skipped a stored history entry", { key: String(e.key.at(-1)) });
      } else newest.set(seq, { value, place: LEGACY });
    }
    const pages = new Set<number>();
    for await (const e of this.kv.list({ prefix: [...HISTORY_PAGE_PREFIX] })) {
      const page = e.key.at(-1);
      if (typeof page !== "number" || !Number.isSafeInteger(page) || page < 1) {
        this.#stale.push(e.key);
        continue;
      }
      pages.add(page);
      this.#nextPage = Math.max(this.#nextPage, page + 1);
      const list = parseJsonText(e.value);
      for (const value of Array.isArray(list) ? list : []) {
        const seq = seqOf(value);
        if (seq === undefined) {
          this.log?.warn("skipped a stored history entry", { page });
          continue;
        }
        if (newest.get(seq)?.place === LEGACY) this.#stale.push([...HISTORY_PREFIX, seq]);
        newest.set(seq, { value, place: page });
      }
    }
    const history: HistoryEntry[] = [];
    for (const [seq, { value, place }] of newest) {
      const r = StoredEntrySchema.safeParse(value);
      if (!r.success || r.data.seq !== seq) {
        this.log?.warn("skipped a stored history entry", { seq });
        continue;
      }
      history.push(r.data as HistoryEntry);
      this.#where.set(seq, place);
      if (place !== LEGACY) this.#live.set(place, (this.#live.get(place) ?? 0) + 1);
    }
    for (const page of pages) {
      if (!this.#live.has(page)) this.#stale.push([...HISTORY_PAGE_PREFIX, page]);
    }
    const trackers = await this.#loadTrackers();
    return { history: history.sort((a, b) => a.seq - b.seq), trackers };
  }

  /**
   * Reads the tracker shards: kept under their own keys first (earlier versions), then the
   * pages in order, the newest version of each shard winning. Notes where each is.
   */
  async #loadTrackers(): Promise<StoredConversations["trackers"]> {
    const pages = this.#pages = new ShardPages();
    const newest = new Map<string, { agent: string; cid: string; value: unknown; page: number }>();
    for await (const e of this.kv.list({ prefix: [...TRACKER_PREFIX] })) {
      const [agent, cid] = e.key.slice(TRACKER_PREFIX.length);
      if (typeof agent !== "string" || typeof cid !== "string") {
        this.log?.warn("skipped a stored tracker", { agent: String(agent) });
        continue;
      }
      const value = typeof e.value === "string" ? parseJsonText(e.value) : e.value;
      newest.set(shardPageKey(agent, cid), { agent, cid, value, page: OWN_KEY });
    }
    for await (const e of this.kv.list({ prefix: [...TRACKER_PAGE_PREFIX] })) {
      const page = e.key.at(-1);
      const list = parseJsonText(e.value);
      if (typeof page !== "number" || !Number.isSafeInteger(page) || page < 1) {
        this.#stale.push(e.key);
        continue;
      }
      const keys: string[] = [];
      for (const item of Array.isArray(list) ? list : []) {
        const [agent, cid, value] = Array.isArray(item) ? item : [];
        if (typeof agent !== "string" || typeof cid !== "string" || item.length !== 3) {
          this.log?.warn("skipped a stored tracker", { page });
          continue;
        }
        const k = shardPageKey(agent, cid);
        keys.push(k);
        const before = newest.get(k);
        if (before?.page === OWN_KEY) this.#stale.push([...TRACKER_PREFIX, agent, cid]);
        newest.delete(k);
        newest.set(k, { agent, cid, value, page });
      }
      pages.addPage(page, keys);
    }
    const trackers: StoredConversations["trackers"] = [];
    for (const [k, { agent, cid, value, page }] of newest) {
      const r = value === null ? undefined : TrackerStateSchema.safeParse(value);
      if (r?.success) {
        trackers.push({ agent, cid, state: trackerStateFromJson(r.data) });
        if (page === OWN_KEY) pages.setOwnKey(k);
        else pages.setCurrent(k, page, false);
        continue;
      }
      if (r !== undefined) this.log?.warn("skipped a stored tracker", { agent });
      // Forgotten (or unreadable): hidden as long as an older page still holds the shard. An
      // unreadable own key is left as it is (skipped, as before).
      if (page !== OWN_KEY && pages.copies(k) > 1) pages.setCurrent(k, page, true);
    }
    for (const page of pages.empty()) pages.drop(page, this.#stalePages);
    return trackers;
  }

  /**
   * Writes history and tracker changes, in as few commits as Deno KV's limits allow.
   * `current` gives the shards' states now, to write again those of an old page being
   * cleaned (without it, no page is cleaned).
   */
  async write(
    history: HistoryChanges,
    trackers: readonly TrackerChange[],
    current?: CurrentShard,
  ): Promise<void> {
    if (this.#pages === undefined) await this.#loadTrackers();
    if (!this.#numbered) {
      // Written to without a load: new pages go after any a previous run left.
      this.#numbered = true;
      const last = this.kv.list({ prefix: [...HISTORY_PAGE_PREFIX] }, { reverse: true, limit: 1 });
      for await (const e of last) {
        const page = e.key.at(-1);
        if (typeof page === "number") this.#nextPage = Math.max(this.#nextPage, page + 1);
      }
    }
    // New pages first, deletions after: a crash in between leaves an older copy, which the
    // newer page overrides on load, never a message lost.
    const ops: KvOp[] = [];
    const gone: KvOp[] = this.#stale.map((key) => ({ key }));
    this.#stale = [];
    for (const seq of history.dropped) this.#release(seq, gone);
    let texts: string[] = [];
    let seqs: number[] = [];
    let chars = 0;
    const close = () => {
      if (texts.length === 0) return;
      const page = this.#nextPage++;
      ops.push({ key: [...HISTORY_PAGE_PREFIX, page], value: `[${texts.join(",")}]` });
      for (const seq of seqs) this.#where.set(seq, page);
      this.#live.set(page, seqs.length);
      texts = [];
      seqs = [];
      chars = 0;
    };
    for (const e of history.added) {
      this.#release(e.seq, gone);
      // The history's own text (no second serialization), cheaper to store than a value.
      const text = e.text;
      if (chars > 0 && chars + text.length > HISTORY_PAGE_CHARS) close();
      texts.push(text);
      seqs.push(e.seq);
      chars += text.length + 1;
    }
    close();
    const goneShards = this.#writeShards(trackers, current, ops, gone);
    await commitOps(this.kv, [...ops, ...gone, ...goneShards], "history changes");
  }

  /**
   * Puts the tracker changes in new pages (`ops`), the shards' own keys of earlier versions
   * to delete in `gone`; returns the deletions of pages no longer needed, to go last.
   */
  #writeShards(
    trackers: readonly TrackerChange[],
    current: CurrentShard | undefined,
    ops: KvOp[],
    gone: KvOp[],
  ): KvOp[] {
    const pages = this.#pages!;
    const dropped = this.#stalePages;
    this.#stalePages = [];
    let items: string[] = [];
    let keys: [string, boolean][] = [];
    let chars = 0;
    const close = () => {
      // A tombstone is needed while an older page kept holds the shard: pages dropped
      // since it was queued (this write's releases) may have made it needless.
      const needed = keys.map(([k, tombstone]) => !tombstone || pages.copies(k) > 0);
      if (needed.includes(false)) {
        items = items.filter((_, i) => needed[i]);
        keys = keys.filter((_, i) => needed[i]);
      }
      chars = 0;
      if (items.length === 0) return;
      const page = pages.next;
      const value = `[${items.join(",")}]`;
      ops.push({ key: [...TRACKER_PAGE_PREFIX, page], value, bytes: textBytes(value) });
      pages.addPage(page, keys.map(([k]) => k));
      for (const [k, tombstone] of keys) pages.setCurrent(k, page, tombstone);
      items = [];
      keys = [];
      chars = 0;
    };
    const put = (k: string, item: string, tombstone: boolean) => {
      if (chars > 0 && chars + item.length > TRACKER_PAGE_CHARS) close();
      items.push(item);
      keys.push([k, tombstone]);
      chars += item.length + 1;
    };
    const one = (agent: string, cid: string, state: TrackerState | undefined) => {
      const k = shardPageKey(agent, cid);
      const text = state === undefined ? undefined : JSON.stringify(trackerStateToJson(state));
      const fits = text !== undefined && textBytes(text) <= MAX_STORED_ENTRY_BYTES;
      if (!fits && !pages.has(k)) return;
      if (pages.release(k, dropped)) gone.push({ key: [...TRACKER_PREFIX, agent, cid] });
      // `k` is `["agent","cid"]`: the item is `["agent","cid",state]`.
      if (fits) put(k, `${k.slice(0, -1)},${text}]`, false);
      else if (pages.copies(k) > 0) put(k, `${k.slice(0, -1)},null]`, true);
    };
    for (const [agent, cid, state] of trackers) one(agent, cid, state);
    if (current !== undefined) {
      for (let n = 0; n < CLEAN_PER_WRITE; n++) {
        // The versions of this write not placed yet count as current.
        const old = pages.cleanable(CLEAN_SLACK + 2 * keys.length);
        if (old === undefined) break;
        for (const [k, tombstone] of old.current) {
          const [agent, cid] = JSON.parse(k) as [string, string];
          // A tombstone still needed is written again; the state as it is now otherwise.
          if (tombstone) {
            pages.release(k, dropped);
            if (pages.copies(k) > 0) put(k, `${k.slice(0, -1)},null]`, true);
          } else one(agent, cid, current(agent, cid));
        }
        // Its current versions all moved: the page went with the last one.
        if (pages.cleanable(CLEAN_SLACK + 2 * keys.length)?.page === old.page) break;
      }
    }
    close();
    return dropped.map((page) => ({ key: [...TRACKER_PAGE_PREFIX, page] }));
  }

  /** The stored version of `seq` is no longer current: its page goes with its last one. */
  #release(seq: number, ops: KvOp[]): void {
    const place = this.#where.get(seq);
    if (place === undefined) return;
    this.#where.delete(seq);
    if (place === LEGACY) {
      ops.push({ key: [...HISTORY_PREFIX, seq] });
      return;
    }
    const left = (this.#live.get(place) ?? 1) - 1;
    if (left > 0) {
      this.#live.set(place, left);
      return;
    }
    this.#live.delete(place);
    ops.push({ key: [...HISTORY_PAGE_PREFIX, place] });
  }
}
