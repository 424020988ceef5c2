// millisToIso: toISOString of the time asked (the last millisecond's text kept).
import assert from "node:assert/strict";
import { millisToIso } from "../../../protocols/mod.ts";

Deno.test("millisToIso answers toISOString of each time asked, repeated or not", () => {
  for (const ms of [0, 0, 1_796_650_000_123, 1_796_650_000_123, 1_796_650_000_124, 5, 0.5]) {
    assert.equal(millisToIso(ms), new Date(ms).toISOString());
  }
});

Deno.test("millisToIso refuses an invalid time like toISOString", () => {
  assert.throws(() => millisToIso(Number.NaN), RangeError);
  assert.throws(() => millisToIso(Number.NaN), RangeError);
  assert.throws(() => millisToIso(8.64e15 + 1), RangeError);
});
