import { isoToMillis, type MachineState, type TrackerState } from "../../protocols/mod.ts";

function machineDue(m: MachineState): number {
  let due = Infinity;
  // The threads of one conversation mostly wait on the same `reply_by` (a contract net's
  // cfp to every bidder): the same text is read once per machine, not once per thread.
  let lastIso: string | undefined;
  let lastAt = NaN;
  for (const t of m.threads) {
    if (t.deadline === null || t.terminal) continue;
    const iso = t.deadline.at;
    if (iso !== lastIso) {
      lastIso = iso;
      lastAt = isoToMillis(iso);
    }
    if (Number.isFinite(lastAt) && lastAt < due) due = lastAt;
  }
  for (const s of m.subs) {
    if (s.machine !== null && !s.finished) due = Math.min(due, machineDue(s.machine));
  }
  return due;
}

/**
 * When the tracker next has something to do on its own, in ms since the epoch: the earliest
 * `reply_by` deadline of a conversation under way, and with `idle` also the moment one
 * would go idle (`limits.idleMs` after its last message; this parses every conversation's
 * time, so hot paths leave it out and sweep idle conversations now and then instead).
 * `undefined` when nothing is pending. Pure.
 *
 * @example
 * ```ts
 * const due = nextDue(state);
 * if (due !== undefined) setTimeout(() => trackDeadline(state, new Date().toISOString()), due - Date.now());
 * ```
 */
export function nextDue(
  state: TrackerState,
  opts: { idle?: boolean } = {},
): number | undefined {
  let due = Infinity;
  const idle = opts.idle === false ? null : state.limits.idleMs;
  for (const c of state.active.values()) {
    due = Math.min(due, machineDue(c.machine));
    if (idle !== null && c.last_at !== null) {
      const last = isoToMillis(c.last_at);
      if (Number.isFinite(last)) due = Math.min(due, last + idle);
    }
  }
  return Number.isFinite(due) ? due : undefined;
}
