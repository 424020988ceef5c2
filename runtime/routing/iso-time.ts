/**
 * Timestamps in ISO 8601 form for hot paths.
 * @module
 */

let lastMs = Number.NaN;
let lastIso = "";

/**
 * `new Date(ms).toISOString()`, for timestamps taken many times a millisecond (the
 * `accepted_at` of each routed message): the text of the last millisecond asked is kept, so
 * a burst of messages formats it once (a `toISOString` costs 1-2 µs, more than the rest of
 * a routing step). Like `toISOString`, throws a `RangeError` for an invalid time.
 */
export function isoTime(ms: number = Date.now()): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}
