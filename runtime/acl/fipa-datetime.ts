/**
 * FIPA DateTime tokens (SC00070 §2.3): `[+-]YYYYMMDDThhmmssmmm[TypeDesignator]`, and their
 * mapping to and from the ISO 8601 strings of the model's `reply_by`.
 *
 * - No sign: an absolute time. The designator is a military time-zone letter: `Z` is UTC
 *   (`...Z`), `A`–`I` and `K`–`M` are UTC+1 … UTC+12, `N`–`Y` are UTC−1 … UTC−12, `J` or
 *   no designator is local time (an ISO string without offset).
 * - A leading `+` or `-`: a time relative to when the message is read (SC00070), with the
 *   fields as a duration (years, months, days, hours, minutes, seconds, milliseconds). The
 *   model has no relative form: the parser resolves it against a reference time the caller
 *   injects (`now`, epoch milliseconds) to an absolute UTC string. A relative token is not
 *   produced on output.
 *
 * Pure: no clock reads; `Date` is used only for calendar arithmetic on given instants.
 * @module
 */

/** A DateTime token that has been split into its fields. */
export type FipaDateTime =
  | {
    kind: "absolute";
    year: number;
    month: number;
    day: number;
    hour: number;
    minute: number;
    second: number;
    millisecond: number;
    /** The type designator as written (`"Z"`, `"A"`, …), or `""` when absent. */
    designator: string;
  }
  | {
    kind: "relative";
    /** `1` for `+` (in the future), `-1` for `-`. */
    sign: 1 | -1;
    years: number;
    months: number;
    days: number;
    hours: number;
    minutes: number;
    seconds: number;
    milliseconds: number;
  };

const DIGIT_0 = 48;

function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_0 + 9;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * Whether `text` has the lexical shape of a DateTime token (any digits; ranges are checked by
 * {@link readFipaDateTime}).
 *
 * @example
 * ```ts
 * isFipaDateTimeShape("20020314T091400500Z"); // true
 * isFipaDateTimeShape("2002-03-14"); // false
 * ```
 */
export function isFipaDateTimeShape(text: string): boolean {
  let i = 0;
  const first = text.charCodeAt(0);
  if (first === 43 || first === 45) i = 1; // + -
  const n = text.length - i;
  if (n !== 18 && n !== 19) return false;
  for (let k = 0; k < 8; k++) if (!isDigit(text.charCodeAt(i + k))) return false;
  const t = text.charCodeAt(i + 8);
  if (t !== 84 && t !== 116) return false; // T t
  for (let k = 9; k < 18; k++) if (!isDigit(text.charCodeAt(i + k))) return false;
  return n === 18 || isLetter(text.charCodeAt(i + 18));
}

function num(text: string, from: number, len: number): number {
  let v = 0;
  for (let k = 0; k < len; k++) v = v * 10 + (text.charCodeAt(from + k) - DIGIT_0);
  return v;
}

/** Days in `month` (1–12) of `year` (proleptic Gregorian). */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Splits a DateTime token into its fields, checking the ranges of an absolute time.
 *
 * @returns the fields, or a string saying what is wrong with the token.
 * @example
 * ```ts
 * readFipaDateTime("20020314T091400500Z"); // { kind: "absolute", year: 2002, ..., designator: "Z" }
 * readFipaDateTime("20021314T091400500Z"); // "month 13 is out of range 01-12"
 * ```
 */
export function readFipaDateTime(token: string): FipaDateTime | string {
  if (!isFipaDateTimeShape(token)) {
    return `'${token}' is not a DateTime of the form [+-]YYYYMMDDThhmmssmmm[TypeDesignator]`;
  }
  const c0 = token.charCodeAt(0);
  const signed = c0 === 43 || c0 === 45;
  const i = signed ? 1 : 0;
  const f = {
    y: num(token, i, 4),
    mo: num(token, i + 4, 2),
    d: num(token, i + 6, 2),
    h: num(token, i + 9, 2),
    mi: num(token, i + 11, 2),
    s: num(token, i + 13, 2),
    ms: num(token, i + 15, 3),
  };
  if (signed) {
    return {
      kind: "relative",
      sign: c0 === 45 ? -1 : 1,
      years: f.y,
      months: f.mo,
      days: f.d,
      hours: f.h,
      minutes: f.mi,
      seconds: f.s,
      milliseconds: f.ms,
    };
  }
  const two = (v: number) => String(v).padStart(2, "0");
  if (f.mo < 1 || f.mo > 12) return `month ${two(f.mo)} is out of range 01-12`;
  const dim = daysInMonth(f.y, f.mo);
  if (f.d < 1 || f.d > dim) return `day ${two(f.d)} is out of range 01-${dim} for that month`;
  if (f.h > 23) return `hour ${two(f.h)} is out of range 00-23`;
  if (f.mi > 59) return `minute ${two(f.mi)} is out of range 00-59`;
  if (f.s > 59) return `second ${two(f.s)} is out of range 00-59`;
  return {
    kind: "absolute",
    year: f.y,
    month: f.mo,
    day: f.d,
    hour: f.h,
    minute: f.mi,
    second: f.s,
    millisecond: f.ms,
    designator: token.length - i === 19 ? token[token.length - 1] : "",
  };
}

/** Offset in hours of a military time-zone letter; `null` for local time (`J`). */
export function militaryOffsetHours(letter: string): number | null {
  const c = letter.toUpperCase().charCodeAt(0);
  if (c === 90) return 0; // Z
  if (c === 74) return null; // J: local
  if (c >= 65 && c <= 73) return c - 64; // A..I: +1..+9
  if (c >= 75 && c <= 77) return c - 65; // K..M: +10..+12
  return -(c - 77); // N..Y: -1..-12
}

const LETTER_FOR_OFFSET: Record<number, string> = (() => {
  const out: Record<number, string> = { 0: "Z" };
  for (let c = 65; c <= 89; c++) {
    const l = String.fromCharCode(c);
    const h = militaryOffsetHours(l);
    if (h !== null && h !== 0) out[h] = l;
  }
  return out;
})();

function pad(v: number, n: number): string {
  return String(v).padStart(n, "0");
}

function isoOffset(hours: number): string {
  if (hours === 0) return "Z";
  return `${hours < 0 ? "-" : "+"}${pad(Math.abs(hours), 2)}:00`;
}

/**
 * The ISO 8601 string for a DateTime token, as the model's `reply_by` holds it: always with
 * milliseconds; `...Z` for `Z`; `...±hh:00` for the other military letters; no offset for
 * local time. A relative token is added to `now` (epoch ms) and given in UTC.
 *
 * @returns the ISO string, or a string saying what is wrong.
 * @example
 * ```ts
 * fipaDateTimeToIso(readFipaDateTime("20020314T091400500Z") as FipaDateTime);
 * // "2002-03-14T09:14:00.500Z"
 * ```
 */
export function fipaDateTimeToIso(dt: FipaDateTime, now?: number): { iso: string } | string {
  if (dt.kind === "absolute") {
    const base = `${pad(dt.year, 4)}-${pad(dt.month, 2)}-${pad(dt.day, 2)}T${pad(dt.hour, 2)}:${
      pad(dt.minute, 2)
    }:${pad(dt.second, 2)}.${pad(dt.millisecond, 3)}`;
    if (dt.designator === "") return { iso: base };
    const h = militaryOffsetHours(dt.designator);
    return { iso: h === null ? base : base + isoOffset(h) };
  }
  if (now === undefined) {
    return "a relative DateTime needs a reference time (pass the `now` option)";
  }
  if (!Number.isFinite(now)) return `reference time ${now} is not a finite number`;
  const t = new Date(now);
  const s = dt.sign;
  t.setUTCFullYear(
    t.getUTCFullYear() + s * dt.years,
    t.getUTCMonth() + s * dt.months,
    t.getUTCDate() + s * dt.days,
  );
  t.setUTCHours(
    t.getUTCHours() + s * dt.hours,
    t.getUTCMinutes() + s * dt.minutes,
    t.getUTCSeconds() + s * dt.seconds,
    t.getUTCMilliseconds() + s * dt.milliseconds,
  );
  const y = t.getUTCFullYear();
  if (!Number.isFinite(t.getTime()) || y < 0 || y > 9999) {
    return "the relative DateTime falls outside the years 0000-9999";
  }
  return { iso: t.toISOString() };
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))?$/;

/**
 * The DateTime token for an ISO 8601 date-time (the model's `reply_by`). Sub-millisecond
 * digits are dropped; offsets that are whole hours within ±12 become military letters, other
 * offsets are converted to UTC (`Z`).
 *
 * @returns the token, or a string saying what is wrong.
 * @example
 * ```ts
 * isoToFipaDateTime("2024-01-15T10:35:00Z"); // "20240115T103500000Z"
 * isoToFipaDateTime("2024-01-15T10:35:00.250+02:00"); // "20240115T103500250B"
 * ```
 */
export function isoToFipaDateTime(iso: string): { token: string } | string {
  const m = ISO_RE.exec(iso);
  if (!m) return `reply_by '${iso}' is not an ISO 8601 date-time`;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((k) => Number(m[k]));
  const ms = Number((m[7] ?? "").padEnd(3, "0").slice(0, 3));
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) {
    return `reply_by '${iso}' is not a valid date-time`;
  }
  const fmt = (yy: number, mm: number, dd: number, hh: number, nn: number, ss: number) =>
    `${pad(yy, 4)}${pad(mm, 2)}${pad(dd, 2)}T${pad(hh, 2)}${pad(nn, 2)}${pad(ss, 2)}${pad(ms, 3)}`;
  if (m[8]) return { token: fmt(y, mo, d, h, mi, s) + "Z" };
  if (!m[9]) return { token: fmt(y, mo, d, h, mi, s) };
  const sign = m[9] === "-" ? -1 : 1;
  const oh = Number(m[10]);
  const om = Number(m[11]);
  if (om === 0 && oh <= 12) {
    return { token: fmt(y, mo, d, h, mi, s) + LETTER_FOR_OFFSET[sign * oh] };
  }
  // Not expressible as a letter: convert to UTC.
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi - sign * (oh * 60 + om), s, ms);
  const uy = t.getUTCFullYear();
  if (uy < 0 || uy > 9999) return `reply_by '${iso}' falls outside the years 0000-9999 in UTC`;
  return {
    token: fmt(
      uy,
      t.getUTCMonth() + 1,
      t.getUTCDate(),
      t.getUTCHours(),
      t.getUTCMinutes(), //
      t.getUTCSeconds(),
    ) + "Z",
  };
}
