import { z } from "zod";
import { AclMessageSchema } from "../acl/mod.ts";
import { commitOps, type KvOp } from "../agents/kv-batch.ts";
import type { Logger } from "../log/mod.ts";
import { type TrackerState, TrackerStateSchema } from "../../protocols/mod.ts";
import type { HistoryChanges, HistoryEntry } from "./history.ts";

/** Where the message history is kept: `[...HISTORY_PREFIX, seq]` → entry. */
export const HISTORY_PREFIX = ["conversations", "history"] as const;
/** Where trackers are kept: `[...TRACKER_PREFIX, agent, conversation id]` → shard. */
export const TRACKER_PREFIX = ["conversations", "trackers"] as const;

/**
 * Entries bigger than this (estimated) are kept without their content: a Deno KV value
 * holds at most 64 KiB.
 */
export const MAX_STORED_ENTRY_BYTES = 48_000;

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

function parseJson(v: unknown): unknown {
  if (typeof v !== "string") return undefined;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

/** What a store holds after a restart. */
export interface StoredConversations {
  history: HistoryEntry[];
  trackers: { agent: string; cid: string; state: TrackerState }[];
}

/** A tracker shard change: its state now, or `undefined` when it was forgotten. */
export type TrackerChange = [agent: string, cid: string, state: TrackerState | undefined];

/** The history entry as stored: big contents left out (pure). */
export function storedEntry(e: HistoryEntry): HistoryEntry {
  if (e.bytes <= MAX_STORED_ENTRY_BYTES) return e;
  const { content: _omitted, ...message } = e.message;
  return { ...e, message, content_omitted: true };
}

/**
 * The thin Deno KV shell under the conversation service: writes the changes of the message
 * history and of the trackers, and reads them back after a restart. Values that do not
 * validate (another version, a damaged file) are skipped and logged, never trusted.
 */
export class ConversationKv {
  constructor(readonly kv: Deno.Kv, readonly log?: Logger) {}

  /** Reads the history (oldest first) and every tracker shard. */
  async load(): Promise<StoredConversations> {
    const history: HistoryEntry[] = [];
    for await (const e of this.kv.list({ prefix: [...HISTORY_PREFIX] })) {
      const r = StoredEntrySchema.safeParse(parseJson(e.value));
      if (r.success) history.push(r.data as HistoryEntry);
      else this.log?.warn("skipped a stored history entry", { key: String(e.key.at(-1)) });
    }
    const trackers: StoredConversations["trackers"] = [];
    for await (const e of this.kv.list({ prefix: [...TRACKER_PREFIX] })) {
      const [agent, cid] = e.key.slice(TRACKER_PREFIX.length);
      const r = TrackerStateSchema.safeParse(e.value);
      if (r.success && typeof agent === "string" && typeof cid === "string") {
        trackers.push({ agent, cid, state: r.data });
      } else this.log?.warn("skipped a stored tracker", { agent: String(agent) });
    }
    return { history, trackers };
  }

  /** Writes history and tracker changes, in as few commits as Deno KV's limits allow. */
  async write(history: HistoryChanges, trackers: readonly TrackerChange[]): Promise<void> {
    const ops: KvOp[] = [];
    for (const seq of history.dropped) ops.push({ key: [...HISTORY_PREFIX, seq] });
    for (const e of history.added) {
      // As JSON text: cheaper to size and to store than a structured clone.
      ops.push({ key: [...HISTORY_PREFIX, e.seq], value: JSON.stringify(storedEntry(e)) });
    }
    for (const [agent, cid, state] of trackers) {
      const key = [...TRACKER_PREFIX, agent, cid];
      if (state === undefined || JSON.stringify(state).length > MAX_STORED_ENTRY_BYTES) {
        ops.push({ key });
      } else ops.push({ key, value: state });
    }
    await commitOps(this.kv, ops, "history changes");
  }
}
