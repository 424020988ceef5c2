/**
 * The service's questions to the message history: an agent's messages, and the age limit.
 * @module
 */
import type { HistoryEntry, HistoryQuery, MessageHistory } from "./history.ts";
import { mentionOf } from "./history-text.ts";
import type { CanonicalName } from "./seen.ts";

/** A history page request of the conversation service's `messages`. */
export interface MessagesQuery {
  conversation_id?: string;
  /** Only messages from or to this agent (any spelling of its name). */
  agent?: string;
  limit: number;
  cursor?: string;
  order?: "asc" | "desc";
}

/**
 * The history query of a {@link MessagesQuery}: the agent filter compares canonical names,
 * so `echo`, `echo@platform` and `echo@alias` are the same agent. Pure.
 *
 * @example
 * ```ts
 * history.query(historyQuery(canon, { agent: "echo", limit: 50 }));
 * ```
 */
export function historyQuery(canon: CanonicalName, q: MessagesQuery): HistoryQuery {
  const agent = q.agent === undefined ? undefined : canon(q.agent);
  const match = agent === undefined
    ? undefined
    : (e: HistoryEntry) =>
      (e.message.sender !== undefined && canon(e.message.sender.name) === agent) ||
      e.message.receivers.some((r) => canon(r.name) === agent);
  return agent === undefined ? { ...q, match } : { ...q, match, mentions: mentionOf(agent) };
}

/**
 * Drops the messages accepted more than `maxAgeMs` before `nowMs` (none without an age
 * limit); returns how many.
 */
export function expireHistory(
  history: MessageHistory,
  maxAgeMs: number | undefined,
  nowMs: number,
): number {
  if (maxAgeMs === undefined) return 0;
  return history.dropAcceptedBefore(new Date(nowMs - maxAgeMs).toISOString());
}
