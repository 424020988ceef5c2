import { z } from "zod";
import type { JsonValue } from "../acl/mod.ts";
import type { HistoryEntry } from "./history.ts";
import { storedEntry, StoredEntrySchema } from "./kv-store.ts";
import type { ConversationService } from "./service.ts";

/** Messages an agent's snapshot carries at most. */
export const MIGRATING_MESSAGES = 200;
/** Estimated bytes of messages an agent's snapshot carries at most. */
export const MIGRATING_BYTES = 256 * 1024;

const FORMAT = "agent-conversations/1";
const AgentConversationsSchema = z.strictObject({
  v: z.literal(FORMAT),
  tracker: z.unknown().nullable(),
  messages: z.array(StoredEntrySchema).max(MIGRATING_MESSAGES),
});

/**
 * What an agent's snapshot carries of its conversations when it moves: its tracker and
 * its newest messages (at most {@link MIGRATING_MESSAGES} and {@link MIGRATING_BYTES},
 * contents too big for Deno KV left out), as plain JSON; `null` when it has neither.
 */
export function exportAgentConversations(
  conv: ConversationService,
  agent: string,
): JsonValue | null {
  const tracker = conv.getTrackerState(agent) ?? null;
  const page = conv.messages({ agent, limit: MIGRATING_MESSAGES, order: "desc" });
  if (tracker === null && page.entries.length === 0) return null;
  const messages: HistoryEntry[] = [];
  let bytes = 0;
  for (const e of page.entries.map(storedEntry)) {
    bytes += e.content_omitted ? 512 : e.bytes;
    if (bytes > MIGRATING_BYTES) break;
    messages.unshift(e);
  }
  return JSON.parse(JSON.stringify({ v: FORMAT, tracker, messages }));
}

/**
 * Takes an agent's conversations from its snapshot ({@link exportAgentConversations}; a
 * bare tracker state from an older node is accepted too): its tracker, and its messages
 * into this node's history (those already here are skipped).
 *
 * @throws {ApiError} `INVALID_REQUEST` when the value is malformed.
 */
export function importAgentConversations(
  conv: ConversationService,
  agent: string,
  value: unknown,
): void {
  if (value === null || value === undefined) return;
  const r = AgentConversationsSchema.safeParse(value);
  if (!r.success) {
    // An older snapshot: the tracker state alone.
    conv.setTrackerState(agent, value);
    return;
  }
  if (r.data.tracker !== null) conv.setTrackerState(agent, r.data.tracker);
  conv.history.adopt(r.data.messages as HistoryEntry[]);
  conv.persistSoon();
}
