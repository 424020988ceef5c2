/**
 * Pure time arithmetic on ISO 8601 strings (no clock reads). A date-time without a zone
 * designator (FIPA's local time) is read as UTC so that results never depend on the
 * machine's time zone.
 */

const HAS_ZONE = /(?:[zZ]|[+-]\d\d:?\d\d)$/;

/** Most date-times {@link isoToMillis} remembers (all are forgotten beyond it). */
const PARSED_MAX = 1024;
/**
 * Date-times parsed lately: the same few deadlines are read again and again (every message
 * of a conversation reschedules it, reading each party's `reply_by`), and parsing one costs
 * a regular expression and `Date.parse`.
 */
const PARSED = new Map<string, number>();

/** Milliseconds since the epoch for an ISO 8601 date-time, or `NaN` when unparsable. */
export function isoToMillis(iso: string): number {
  let ms = PARSED.get(iso);
  if (ms !== undefined) return ms;
  const s = iso.trim();
  const withZone = HAS_ZONE.test(s) || !s.includes("T") ? s : `${s}Z`;
  ms = Date.parse(withZone);
  if (PARSED.size >= PARSED_MAX) PARSED.clear();
  PARSED.set(iso, ms);
  return ms;
}

let lastMs = Number.NaN;
let lastIso = "";

/**
 * ISO 8601 (UTC) for milliseconds since the epoch, as `toISOString` gives it (and, like it,
 * a `RangeError` for an invalid time). The text of the last millisecond asked is kept: the
 * `accepted_at` of each routed message asks the same millisecond many times in a burst, and
 * a `toISOString` costs 1-2 µs, more than the rest of a routing step.
 */
export function millisToIso(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

/** Whether deadline `deadline` has passed at instant `at` (`deadline <= at`). */
export function deadlinePassed(deadline: string, at: string): boolean {
  const d = isoToMillis(deadline);
  const t = isoToMillis(at);
  return Number.isFinite(d) && Number.isFinite(t) && d <= t;
}
