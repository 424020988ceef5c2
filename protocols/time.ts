/**
 * Pure time arithmetic on ISO 8601 strings (no clock reads). A date-time without a zone
 * designator (FIPA's local time) is read as UTC so that results never depend on the
 * machine's time zone.
 */

const HAS_ZONE = /(?:[zZ]|[+-]\d\d:?\d\d)$/;

/** Milliseconds since the epoch for an ISO 8601 date-time, or `NaN` when unparsable. */
export function isoToMillis(iso: string): number {
  const s = iso.trim();
  const withZone = HAS_ZONE.test(s) || !s.includes("T") ? s : `${s}Z`;
  return Date.parse(withZone);
}

/** ISO 8601 (UTC) for milliseconds since the epoch. */
export function millisToIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Whether deadline `deadline` has passed at instant `at` (`deadline <= at`). */
export function deadlinePassed(deadline: string, at: string): boolean {
  const d = isoToMillis(deadline);
  const t = isoToMillis(at);
  return Number.isFinite(d) && Number.isFinite(t) && d <= t;
}
