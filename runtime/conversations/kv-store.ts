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
 * Where trackers are kept: `[...TRACKER_PREFIX, agent, conversation id]` → the shard as JSON
 * text (its size is measured as JSON anyway, and a string costs Deno KV no structured clone
 * of its own). Shards stored as values by earlier versions are still read.
 */
export const TRACKER_PREFIX = ["conversations", "trackers"] as const;

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

function shardKey(agent: string, cid: string): string {
  return `${agent}\u0000${cid}`;
}

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
   * The tracker shards in the store (`agent\u0000cid`), once {@link load} listed them: a
   * shard forgotten before it was ever written (a conversation that began and was pushed out
   * of its agent's bounds between two writes) then costs no delete. Without a load, every
   * forgotten shard is deleted.
   */
  #shards: Set<string> | undefined;

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
    const trackers: StoredConversations["trackers"] = [];
    const shards = new Set<string>();
    for await (const e of this.kv.list({ prefix: [...TRACKER_PREFIX] })) {
      const [agent, cid] = e.key.slice(TRACKER_PREFIX.length);
      shards.add(shardKey(String(agent), String(cid)));
      const value = typeof e.value === "string" ? parseJsonText(e.value) : e.value;
      const r = TrackerStateSchema.safeParse(value);
      if (r.success && typeof agent === "string" && typeof cid === "string") {
        trackers.push({ agent, cid, state: trackerStateFromJson(r.data) });
      } else this.log?.warn("skipped a stored tracker", { agent: String(agent) });
    }
    this.#shards = shards;
    return { history: history.sort((a, b) => a.seq - b.seq), trackers };
  }

  /** Writes history and tracker changes, in as few commits as Deno KV's limits allow. */
  async write(history: HistoryChanges, trackers: readonly TrackerChange[]): Promise<void> {
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
    // Shards deleted: forgotten as stored only once the deletes landed (a failed write
    // deletes them again next time); shards written: noted as stored at once.
    const deleted: string[] = [];
    const shards = this.#shards;
    for (const [agent, cid, state] of trackers) {
      const key = [...TRACKER_PREFIX, agent, cid];
      const text = state === undefined ? undefined : JSON.stringify(trackerStateToJson(state));
      const bytes = text === undefined ? 0 : textBytes(text);
      const k = shardKey(agent, cid);
      if (text === undefined || bytes > MAX_STORED_ENTRY_BYTES) {
        if (shards !== undefined && !shards.has(k)) continue;
        ops.push({ key });
        deleted.push(k);
      } else {
        ops.push({ key, value: text, bytes });
        shards?.add(k);
      }
    }
    await commitOps(this.kv, [...ops, ...gone], "history changes");
    for (const k of deleted) shards?.delete(k);
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
