// isoTime: toISOString of the time asked, the last millisecond's text kept.
import assert from "node:assert/strict";
import { isoTime } from "../../../runtime/routing/mod.ts";

Deno.test("isoTime answers toISOString of each time asked, repeated or not", () => {
  for (const ms of [0, 0, 1_796_650_000_123, 1_796_650_000_123, 1_796_650_000_124, 5, 0.5]) {
    assert.equal(isoTime(ms), new Date(ms).toISOString());
  }
  const now = Date.now();
  assert.ok(Date.parse(isoTime()) >= now);
});

Deno.test("isoTime refuses an invalid time like toISOString", () => {
  assert.throws(() => isoTime(Number.NaN), RangeError);
  assert.throws(() => isoTime(Number.NaN), RangeError);
  assert.throws(() => isoTime(8.64e15 + 1), RangeError);
});
