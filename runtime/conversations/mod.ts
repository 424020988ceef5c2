/**
 * Conversation policing for the agents of a node: the router guard that checks every
 * message against the FIPA interaction protocol of its conversation (per agent, with the
 * pure trackers of `protocols/`), `reply_by` deadlines fed from a timer with notices to
 * initiators, the conversation views of `GET /api/v1/conversations/{id}` and the bounded
 * message history of `GET /api/v1/messages`.
 *
 * `service.ts` is the facade; its parts, one job each: `guard.ts` (the guard's decision, pure),
 * `tracked-names.ts` (which names are checked), `reply-to.ts` (FIPA `reply-to` designations),
 * `links.ts` (sub-conversations), `trackers.ts` (the tracker store and what its changes imply:
 * due times, events, notices, bounds; steps by the clock), `deadline-timer.ts` and
 * `sweep-timer.ts` (the two timers), `notice-sender.ts` (the AMS's notices), `history.ts` +
 * `history-query.ts` (the message history), `persistence.ts` over `kv-store.ts` (Deno KV).
 *
 * @example
 * ```ts
 * import { ConversationService } from "./runtime/conversations/mod.ts";
 * const conversations = new ConversationService({ router, isAgent: (n) => agents.has(n) });
 * conversations.attach();
 * // ... later
 * conversations.view("conv-1");
 * conversations.close();
 * ```
 * @module
 */
export {
  ConversationService,
  type ConversationServiceOptions,
  type ConversationStats,
} from "./service.ts";
export { type ConversationDetails, mergeViews } from "./details.ts";
export type { MessagesQuery } from "./history-query.ts";
export {
  type AnalysisView,
  analysisView,
  type ConversationView,
  describeMachine,
  type MachineSummary,
  viewConversation,
  viewConversations,
  viewOf,
} from "./views.ts";
export {
  DEFAULT_HISTORY_LIMITS,
  type HistoryChanges,
  type HistoryEntry,
  type HistoryLimits,
  type HistoryPage,
  type HistoryQuery,
  type HistoryText,
  MessageHistory,
} from "./history.ts";
export { type DeadlineNotice, deadlineNotices, noticeMessage } from "./notices.ts";
export { nextDue } from "./deadlines.ts";
export { TrackerStore } from "./store.ts";
export {
  exportAgentConversations,
  importAgentConversations,
  MIGRATING_BYTES,
  MIGRATING_MESSAGES,
} from "./agent-snapshot.ts";
export {
  chooseHolder,
  type HistoryMessageJson,
  type HistoryPageJson,
  historyPageJson,
  qualifyCursor,
  splitCursor,
} from "./history-json.ts";
export {
  ConversationKv,
  HISTORY_PAGE_CHARS,
  HISTORY_PAGE_PREFIX,
  HISTORY_PREFIX,
  MAX_STORED_ENTRY_BYTES,
  type StoredConversations,
  storedEntry,
  TRACKER_PAGE_CHARS,
  TRACKER_PAGE_PREFIX,
  TRACKER_PREFIX,
  type TrackerChange,
} from "./kv-store.ts";
export { ANONYMOUS_SENDER, type CanonicalName, canonicalNames, trackedFromAcl } from "./seen.ts";
