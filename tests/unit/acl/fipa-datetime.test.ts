// FIPA DateTime tokens ↔ ISO 8601 (the model's reply_by).
import assert from "node:assert/strict";
import {
  fipaDateTimeToIso,
  isoToFipaDateTime,
  readFipaDateTime,
} from "../../../runtime/acl/mod.ts";

function iso(token: string, now?: number): string {
  const dt = readFipaDateTime(token);
  assert.notEqual(typeof dt, "string", String(dt));
  const r = fipaDateTimeToIso(dt as Exclude<typeof dt, string>, now);
  assert.notEqual(typeof r, "string", String(r));
  return (r as { iso: string }).iso;
}

Deno.test("every military letter maps to its offset and back", () => {
  const letters = "ABCDEFGHIKLMNOPQRSTUVWXYZ";
  const offsets = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, -1, -2, -3, -4, -5, -6, -7, -8, -9]
    .concat([-10, -11, -12, 0]);
  letters.split("").forEach((l, i) => {
    const h = offsets[i];
    const suffix = h === 0 ? "Z" : `${h < 0 ? "-" : "+"}${String(Math.abs(h)).padStart(2, "0")}:00`;
    const x = iso(`19991231T235959999${l}`);
    assert.equal(x, `1999-12-31T23:59:59.999${suffix}`, l);
    assert.deepEqual(isoToFipaDateTime(x), { token: `19991231T235959999${l}` });
    assert.equal(iso(`19991231T235959999${l.toLowerCase()}`), x, "letters are case-insensitive");
  });
});

Deno.test("shape and range checks", () => {
  assert.equal(typeof readFipaDateTime("2002-03-14"), "string");
  assert.equal(typeof readFipaDateTime("20020314T09140050Z"), "string", "too few digits");
  assert.equal(typeof readFipaDateTime("20020314X091400500"), "string");
  assert.equal(typeof readFipaDateTime("20020314T0914005009"), "string", "digit designator");
  assert.match(readFipaDateTime("20020001T000000000") as string, /month 00/);
  assert.match(readFipaDateTime("19000229T000000000") as string, /day 29/, "1900: no leap");
  assert.equal(iso("20000229T000000000"), "2000-02-29T00:00:00.000", "2000: leap");
  assert.equal(iso("00000101T000000000Z"), "0000-01-01T00:00:00.000Z");
});

Deno.test("relative times are durations added to the injected now, in UTC", () => {
  const now = Date.UTC(2024, 0, 31, 12, 0, 0, 0);
  assert.equal(iso("+00000001T000000000", now), "2024-02-01T12:00:00.000Z");
  assert.equal(iso("+00000100T000000000", now), "2024-03-02T12:00:00.000Z", "Jan 31 + 1 month");
  assert.equal(iso("-00010000T120000000B", now), "2023-01-31T00:00:00.000Z", "designator ignored");
  const dt = readFipaDateTime("+00000000T000001000");
  assert.match(fipaDateTimeToIso(dt as Exclude<typeof dt, string>) as string, /needs a reference/);
  assert.match(
    fipaDateTimeToIso(dt as Exclude<typeof dt, string>, NaN) as string,
    /not a finite number/,
  );
});

Deno.test("ISO strings that are not date-times are refused when writing", () => {
  assert.match(isoToFipaDateTime("2024-01-15") as string, /not an ISO 8601/);
  assert.match(isoToFipaDateTime("2024-02-30T00:00:00Z") as string, /not a valid date-time/);
  assert.match(isoToFipaDateTime("0000-01-01T00:00:00+05:30") as string, /outside the years/);
});
