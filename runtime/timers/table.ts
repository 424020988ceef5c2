/**
 * An agent's timer table: the wake-ups it has set (id, tag, due time), as a pure value.
 * Every operation takes the table and its inputs (the time included) and returns the new
 * table and its answer; nothing here reads a clock or sets a timer.
 * @module
 */

/** How many timers an agent may have pending unless its limits say otherwise. */
export const DEFAULT_MAX_TIMERS = 100;
/** The most `limits.timers` may allow: a table is one Deno KV value (at most 64 KiB). */
export const MAX_TIMERS_LIMIT = 150;
/** The longest tag, in UTF-16 code units. */
export const MAX_TIMER_TAG_LENGTH = 256;
/** The furthest a timer may be set ahead: 366 days. */
export const MAX_TIMER_AHEAD_MS = 366 * 24 * 3600 * 1000;

/** One pending timer. */
export interface AgentTimer {
  /** Unique within the agent's table. */
  id: string;
  /** What the agent said the timer is for; handed back to `on-timer`. */
  tag: string;
  /** When it is due, ms since the Unix epoch. */
  dueAtMs: number;
}

/**
 * An agent's pending timers, in due order (ties in the order they were set). JSON-safe: it is
 * stored with the agent's checkpoint and carried by its snapshot.
 */
export interface TimerTable {
  timers: AgentTimer[];
}

/** The table of an agent that set no timer. */
export const EMPTY_TIMERS: TimerTable = Object.freeze({ timers: [] }) as TimerTable;

/** What {@link addTimer} answers. */
export type AddTimerResult =
  | { ok: true; table: TimerTable; timer: AgentTimer }
  | { ok: false; error: string };

/**
 * Adds a timer due at `dueAtMs` with `tag` and id `id` (the caller draws ids), given the
 * time `nowMs`. A time in the past is due at once (it fires on the next turn). Refused, with
 * an error naming the bad value: a table already holding `max` timers, a tag longer than
 * {@link MAX_TIMER_TAG_LENGTH}, a due time that is not a finite number of ms or is more than
 * {@link MAX_TIMER_AHEAD_MS} ahead, an id already in use.
 */
export function addTimer(
  table: TimerTable,
  t: AgentTimer,
  nowMs: number,
  max = DEFAULT_MAX_TIMERS,
): AddTimerResult {
  if (table.timers.length >= max) {
    return {
      ok: false,
      error: `too many timers: ${table.timers.length} pending, limits.timers is ${max}`,
    };
  }
  if (t.tag.length > MAX_TIMER_TAG_LENGTH) {
    return {
      ok: false,
      error: `timer tag too long: ${t.tag.length} chars (at most ${MAX_TIMER_TAG_LENGTH})`,
    };
  }
  if (!Number.isFinite(t.dueAtMs) || t.dueAtMs < 0) {
    return { ok: false, error: `invalid timer due time: ${t.dueAtMs}` };
  }
  if (t.dueAtMs - nowMs > MAX_TIMER_AHEAD_MS) {
    return {
      ok: false,
      error: `timer due ${t.dueAtMs - nowMs} ms ahead: at most ${MAX_TIMER_AHEAD_MS} ms`,
    };
  }
  if (table.timers.some((x) => x.id === t.id)) {
    return { ok: false, error: `timer id '${t.id}' already in use` };
  }
  const timer = { id: t.id, tag: t.tag, dueAtMs: Math.floor(t.dueAtMs) };
  const timers = [...table.timers];
  // After every timer due at or before it: ties keep the order they were set in.
  let i = timers.length;
  while (i > 0 && timers[i - 1].dueAtMs > timer.dueAtMs) i--;
  timers.splice(i, 0, timer);
  return { ok: true, table: { timers }, timer };
}

/** Removes timer `id`; `cancelled` tells whether it was pending. */
export function cancelTimer(
  table: TimerTable,
  id: string,
): { table: TimerTable; cancelled: boolean } {
  const timers = table.timers.filter((t) => t.id !== id);
  if (timers.length === table.timers.length) return { table, cancelled: false };
  return { table: { timers }, cancelled: true };
}

/** When the earliest timer is due (ms since the epoch), or `undefined` with none pending. */
export function nextDue(table: TimerTable): number | undefined {
  return table.timers[0]?.dueAtMs;
}

/**
 * Takes the timers due by `nowMs`, in due order: `due` are to fire, `table` holds the rest.
 */
export function takeDue(
  table: TimerTable,
  nowMs: number,
): { due: AgentTimer[]; table: TimerTable } {
  let n = 0;
  while (n < table.timers.length && table.timers[n].dueAtMs <= nowMs) n++;
  if (n === 0) return { due: [], table };
  return { due: table.timers.slice(0, n), table: { timers: table.timers.slice(n) } };
}
