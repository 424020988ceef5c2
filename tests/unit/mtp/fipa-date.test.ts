// Envelope dates: the spec's form, JADE's form, local time, and what we write.
import assert from "node:assert/strict";
import { formatFipaDate, parseFipaDate } from "../../../runtime/mtp/mod.ts";

Deno.test("parseFipaDate reads the spec's UTC form", () => {
  assert.equal(parseFipaDate("20261121T074219961Z"), "2026-11-21T07:42:19.961Z");
  assert.equal(parseFipaDate(" 20261121t074219961z "), "2026-11-21T07:42:19.961Z");
});

Deno.test("parseFipaDate reads JADE's form with Z where T belongs, as UTC", () => {
  assert.equal(parseFipaDate("20261121Z074219961"), "2026-11-21T07:42:19.961Z");
  assert.equal(parseFipaDate("20150701Z143941567"), "2015-07-01T14:39:41.567Z");
});

Deno.test("parseFipaDate keeps a date without designator as local time", () => {
  assert.equal(parseFipaDate("20000508T042651481"), "2000-05-08T04:26:51.481");
});

Deno.test("parseFipaDate refuses impossible, relative and malformed dates naming them", () => {
  for (const bad of ["20260230T000000000Z", "20261121T246000000Z", "2026-11-21", "", "x"]) {
    assert.throws(() => parseFipaDate(bad), (e: Error) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, new RegExp(`'${bad}'`));
      return true;
    });
  }
  assert.throws(() => parseFipaDate("+00000000T000100000"), /relative/);
});

Deno.test("formatFipaDate writes the spec's form, UTC with Z", () => {
  assert.equal(formatFipaDate("2026-11-21T07:42:19.961Z"), "20261121T074219961Z");
  assert.equal(formatFipaDate("2026-11-21T08:42:19.961+01:00"), "20261121T074219961Z");
  assert.equal(formatFipaDate(new Date(0)), "19700101T000000000Z");
  assert.equal(formatFipaDate("2000-05-08T04:26:51.481"), "20000508T042651481");
});

Deno.test("formatFipaDate refuses what is not a date-time", () => {
  assert.throws(() => formatFipaDate("yesterday"), RangeError);
  assert.throws(() => formatFipaDate(new Date(Number.NaN)), RangeError);
});

Deno.test("parse and format round-trip, and JADE's form normalises to the spec's", () => {
  for (const s of ["20261121T074219961Z", "19991231T235959999Z", "20000508T042651481"]) {
    assert.equal(formatFipaDate(parseFipaDate(s)), s);
  }
  assert.equal(formatFipaDate(parseFipaDate("20261121Z074219961")), "20261121T074219961Z");
});
