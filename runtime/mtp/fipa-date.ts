/**
 * FIPA date-times in message envelopes (SC00085 §2.5): the DateTime token of SC00070
 * (`YYYYMMDDThhmmssmmm` plus a type designator, `Z` for UTC), read and written with the ACL
 * codec's DateTime functions. Envelopes carry absolute times only, so the relative `+`/`-`
 * forms are refused.
 *
 * JADE writes `20261121Z074219961` (a `Z` where the `T` should be; in fact the sender's local
 * time): read as UTC since nothing better is known. JADE reads any form by position, so the
 * spec's form is what we write.
 *
 * The model keeps dates as ISO 8601: `2026-11-21T07:42:19.961Z` (UTC), with an offset for
 * other zone letters, or without designator for local time.
 * @module
 */
import { fipaDateTimeToIso, isoToFipaDateTime, readFipaDateTime } from "../acl/mod.ts";

const JADE_FORM = /^(\d{8})[Zz](\d{9})$/;
const ISO_WITH_OFFSET = /^(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)([+-]\d{2}:\d{2})$/;

/**
 * Parses a FIPA envelope date into ISO 8601.
 *
 * @throws {RangeError} naming the value when it is neither the spec's form nor JADE's, names
 * an impossible date, or is a relative time.
 * @example
 * ```ts
 * parseFipaDate("20261121T074219961Z"); // "2026-11-21T07:42:19.961Z"
 * parseFipaDate("20261121Z074219961");  // "2026-11-21T07:42:19.961Z" (JADE)
 * parseFipaDate("20261121T074219961");  // "2026-11-21T07:42:19.961" (local time)
 * ```
 */
export function parseFipaDate(text: string): string {
  const s = text.trim();
  const jade = JADE_FORM.exec(s);
  const token = jade ? `${jade[1]}T${jade[2]}Z` : s;
  if (token.startsWith("+") || token.startsWith("-")) {
    throw new RangeError(`date '${text}' is a relative time; an envelope date must be absolute`);
  }
  const dt = readFipaDateTime(token);
  if (typeof dt === "string") {
    throw new RangeError(
      `date '${text}' is not a FIPA date-time (YYYYMMDDThhmmssmmm[Z] or JADE's ` +
        `YYYYMMDDZhhmmssmmm): ${dt}`,
    );
  }
  const iso = fipaDateTimeToIso(dt);
  if (typeof iso === "string") throw new RangeError(`date '${text}': ${iso}`);
  return iso.iso;
}

/**
 * Writes a date in the spec's envelope form. A `Date`, or an ISO string with `Z` or an offset,
 * becomes UTC with the `Z` designator; an ISO string without designator (local time) keeps
 * its fields and gets none.
 *
 * @throws {RangeError} naming the value when it is not an ISO 8601 date-time within the years
 * 0000–9999.
 * @example
 * ```ts
 * formatFipaDate("2026-11-21T07:42:19.961Z");      // "20261121T074219961Z"
 * formatFipaDate("2026-11-21T08:42:19.961+01:00"); // "20261121T074219961Z"
 * formatFipaDate(new Date(0));                     // "19700101T000000000Z"
 * ```
 */
export function formatFipaDate(value: string | Date): string {
  let iso: string;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new RangeError("date is an invalid Date");
    iso = value.toISOString();
  } else if (ISO_WITH_OFFSET.test(value)) {
    // Offsets become UTC (not military letters): JADE ignores the designator anyway.
    const t = new Date(value);
    if (Number.isNaN(t.getTime())) throw new RangeError(`date '${value}' is not a valid date-time`);
    iso = t.toISOString();
  } else iso = value;
  const r = isoToFipaDateTime(iso);
  if (typeof r === "string") throw new RangeError(r.replace(/^reply_by/, "date"));
  return r.token;
}
