/**
 * A history entry as JSON text: the form the history keeps a settled message in (one flat
 * string instead of a graph of a dozen objects that every garbage collection would go
 * through), and the form Deno KV stores (the same text, unless the content is too big).
 * Pure.
 * @module
 */
import type { HistoryEntry } from "./history-entry.ts";

/**
 * Entries bigger than this (estimated) are kept without their content: a Deno KV value
 * holds at most 64 KiB.
 */
export const MAX_STORED_ENTRY_BYTES = 48_000;

/** The history entry as stored: big contents left out (pure). */
export function storedEntry(e: HistoryEntry): HistoryEntry {
  if (e.bytes <= MAX_STORED_ENTRY_BYTES) return e;
  const { content: _omitted, ...message } = e.message;
  return { ...e, message, content_omitted: true };
}

/** An entry's JSON text (its `discarded` mark left out). */
export function entryText(e: HistoryEntry): string {
  if (e.discarded === undefined) return JSON.stringify(e);
  const { discarded: _, ...rest } = e;
  return JSON.stringify(rest);
}

/**
 * The stored text of an entry kept as `text` with `bytes` estimated: the same text, unless
 * the content is too big to store ({@link storedEntry}).
 */
export function storedText(text: string, bytes: number): string {
  return bytes <= MAX_STORED_ENTRY_BYTES
    ? text
    : JSON.stringify(storedEntry(JSON.parse(text) as HistoryEntry));
}

/**
 * A string every JSON text of a message from or to `agent` (a canonical name: `local@platform`
 * or another platform's name) contains, whatever spelling of the name it uses; `undefined`
 * when JSON would escape a character of it (then no text can be ruled out this way).
 */
export function mentionOf(agent: string): string | undefined {
  const at = agent.indexOf("@");
  const local = at < 0 ? agent : agent.slice(0, at);
  return local.length > 0 && JSON.stringify(local) === `"${local}"` ? local : undefined;
}

/** The start of an entry's text as {@link entryText} writes it (`seq` first, then the id). */
const ID_AT_START = /^\{"seq":\d+,"message_id":("(?:[^"\\]|\\.)*")/;

/** The message id of an entry's JSON text (read from its start when it is there). */
export function messageIdOf(text: string): string {
  const m = ID_AT_START.exec(text);
  return m === null ? (JSON.parse(text) as HistoryEntry).message_id : JSON.parse(m[1]) as string;
}
