import { toAclJson } from "../acl/mod.ts";
import type { HistoryPage } from "./history.ts";

/** One message of `GET /api/v1/messages` (the seeds' "Query Message History"). */
export type HistoryMessageJson = Record<string, unknown>;

/** A page of `GET /api/v1/messages` as JSON. */
export interface HistoryPageJson {
  messages: HistoryMessageJson[];
  total: number;
  next_cursor?: string;
  /** The cluster node that answered, when it is not the one asked. */
  node?: string;
}

/** A history page in its JSON form (pure). */
export function historyPageJson(page: HistoryPage): HistoryPageJson {
  return {
    messages: page.entries.map((e) => ({
      message_id: e.message_id,
      timestamp: e.accepted_at,
      ...(e.origin === undefined ? {} : { origin: e.origin }),
      ...toAclJson(e.message),
      ...(e.content_omitted ? { content_omitted: true } : {}),
      delivery: e.receivers,
    })),
    total: page.total,
    ...(page.next_cursor === undefined ? {} : { next_cursor: page.next_cursor }),
  };
}

/**
 * A cursor that names the node whose history it pages (`c1f@node-b`), so the next page is
 * asked there; `undefined` node means this node's own cursor.
 */
export function qualifyCursor(cursor: string, node: string): string {
  return `${cursor}@${node}`;
}

/** Splits a cursor into this-node cursor and the node it names, if any. */
export function splitCursor(cursor: string): { cursor: string; node?: string } {
  const at = cursor.indexOf("@");
  return at < 0 ? { cursor } : { cursor: cursor.slice(0, at), node: cursor.slice(at + 1) };
}

/**
 * Which node holds a conversation, from the pages other nodes answered: the one with the
 * most matching messages (ties: the first node name); `undefined` when none has any (pure).
 */
export function chooseHolder(
  answers: readonly { node: string; page: HistoryPageJson }[],
): { node: string; page: HistoryPageJson } | undefined {
  let best: { node: string; page: HistoryPageJson } | undefined;
  for (const a of answers) {
    if (a.page.total === 0) continue;
    if (
      best === undefined || a.page.total > best.page.total ||
      (a.page.total === best.page.total && a.node < best.node)
    ) best = a;
  }
  return best;
}
