/**
 * FIPA-SL date-times (SC00008 `DateTime`): `YYYYMMDDThhmmssmmm` with an optional type
 * designator (a military time-zone letter; `Z` is UTC, none is local time) and an optional
 * sign that makes it a duration relative to now (`+00000000T000100000` is one minute).
 */

import { militaryOffsetHours } from "../acl/mod.ts";

const RE = /^([+-]?)(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(\d{2})(\d{3})([A-Za-z]?)$/;

const pad = (n: number, w: number) => String(n).padStart(w, "0");

/** A parsed SL date-time. */
export interface SlDateTimeParts {
  /** `+` or `-` for a relative time, `""` for an absolute one. */
  sign: "" | "+" | "-";
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** Type designator as written (`""` when absent). */
  designator: string;
}

/** Splits an SL date-time into its fields, or `undefined` if `text` is not one. */
export function parseSlDateTime(text: string): SlDateTimeParts | undefined {
  const m = RE.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second, millisecond] = m.slice(2, 9).map(Number);
  return {
    sign: m[1] as "" | "+" | "-",
    year,
    month,
    day,
    hour,
    minute,
    second,
    millisecond,
    designator: m[9],
  };
}

/**
 * Converts an SL date-time to ISO 8601. An absolute time becomes UTC (`...Z`) when it has
 * a zone designator, local time (no designator) otherwise. A relative time needs `now`
 * (ISO 8601): the result is `now` plus (or minus) the duration, in UTC.
 *
 * @returns `undefined` if `text` is not a valid date-time (or is relative without `now`).
 * @example
 * ```ts
 * slDateTimeToIso("20020314T091400500Z"); // "2002-03-14T09:14:00.500Z"
 * slDateTimeToIso("+00000000T000100000", "2026-01-01T00:00:00Z"); // "2026-01-01T00:01:00.000Z"
 * ```
 */
export function slDateTimeToIso(text: string, now?: string): string | undefined {
  const p = parseSlDateTime(text);
  if (!p) return undefined;
  if (p.sign !== "") {
    if (now === undefined) return undefined;
    const base = new Date(Date.parse(now));
    if (Number.isNaN(base.getTime())) return undefined;
    const k = p.sign === "-" ? -1 : 1;
    const d = new Date(Date.UTC(
      base.getUTCFullYear() + k * p.year,
      base.getUTCMonth() + k * p.month,
      base.getUTCDate() + k * p.day,
      base.getUTCHours() + k * p.hour,
      base.getUTCMinutes() + k * p.minute,
      base.getUTCSeconds() + k * p.second,
      base.getUTCMilliseconds() + k * p.millisecond,
    ));
    return d.toISOString();
  }
  const t = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, p.millisecond);
  const check = new Date(t);
  if (
    check.getUTCFullYear() !== p.year || check.getUTCMonth() !== p.month - 1 ||
    check.getUTCDate() !== p.day || check.getUTCHours() !== p.hour ||
    check.getUTCMinutes() !== p.minute || check.getUTCSeconds() !== p.second
  ) return undefined;
  const hours = p.designator === "" ? null : militaryOffsetHours(p.designator);
  if (hours === null) {
    return `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}T${pad(p.hour, 2)}:` +
      `${pad(p.minute, 2)}:${pad(p.second, 2)}.${pad(p.millisecond, 3)}`;
  }
  return new Date(t - hours * 3_600_000).toISOString();
}

/**
 * Writes an ISO 8601 instant as an absolute UTC SL date-time (`YYYYMMDDThhmmssmmmZ`).
 *
 * @throws {RangeError} if `iso` is not a date-time.
 */
export function isoToSlDateTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO 8601 date-time: ${JSON.stringify(iso)}`);
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}T` +
    `${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}` +
    `${pad(d.getUTCMilliseconds(), 3)}Z`;
}
