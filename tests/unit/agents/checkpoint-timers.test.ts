// The node's checkpoint timers are coalesced: timers due within one grain share one timer of
// the base and fire together, never later than asked.
import assert from "node:assert/strict";
import { checkpointGrainMs, CoalescedTimers } from "../../../runtime/agents/checkpoint-timers.ts";

/** A base of fake timers: `advance` runs those due, in due order. */
function fakeBase() {
  let now = 0;
  let next = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    timers,
    now: () => now,
    setTimeout: (fn: () => void, ms: number) => {
      timers.set(++next, { at: now + ms, fn });
      return next;
    },
    clearTimeout: (id: unknown) => void timers.delete(id as number),
    advance(to: number) {
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= to).sort((a, b) => a[1].at - b[1].at);
        if (!due.length) break;
        const [id, t] = due[0];
        timers.delete(id);
        now = t.at;
        t.fn();
      }
      now = to;
    },
    set now_(t: number) {
      now = t;
    },
  };
}

Deno.test("timers due within one grain share one base timer and fire no later than asked", () => {
  const base = fakeBase();
  const t = new CoalescedTimers(100, base);
  const fired: [string, number][] = [];
  const ask = (name: string, at: number) => {
    base.now_ = at;
    t.setTimeout(() => fired.push([name, base.now()]), 1000);
  };
  ask("a", 0); // due 1000
  ask("b", 30); // due 1030 → 1000
  ask("c", 99); // due 1099 → 1000
  ask("d", 100); // due 1100
  assert.equal(base.timers.size, 2, "two buckets, two base timers");
  assert.equal(t.size, 4);
  base.advance(2000);
  assert.deepEqual(fired, [["a", 1000], ["b", 1000], ["c", 1000], ["d", 1100]]);
  assert.equal(t.size, 0);
});

Deno.test("a cleared timer does not fire; its bucket's base timer goes with its last timer", () => {
  const base = fakeBase();
  const t = new CoalescedTimers(100, base);
  const fired: string[] = [];
  const a = t.setTimeout(() => fired.push("a"), 1000);
  const b = t.setTimeout(() => fired.push("b"), 1000);
  t.clearTimeout(a);
  assert.equal(base.timers.size, 1);
  t.clearTimeout(b);
  assert.equal(base.timers.size, 0, "no timer left for an empty bucket");
  t.clearTimeout(b); // twice: nothing
  t.clearTimeout(undefined);
  const c = t.setTimeout(() => fired.push("c"), 1000);
  base.advance(5000);
  t.clearTimeout(c); // fired already: nothing
  assert.deepEqual(fired, ["c"]);
});

Deno.test("every timer of a bucket runs when one throws; the first error is thrown after", () => {
  const base = fakeBase();
  const t = new CoalescedTimers(100, base);
  const fired: string[] = [];
  t.setTimeout(() => {
    throw new Error("boom");
  }, 500);
  t.setTimeout(() => fired.push("after"), 500);
  assert.throws(() => base.advance(1000), /boom/);
  assert.deepEqual(fired, ["after"]);
});

Deno.test("grain 0 keeps due times exact; short delays are never rounded before now", () => {
  const base = fakeBase();
  const exact = new CoalescedTimers(0, base);
  const fired: number[] = [];
  base.now_ = 7;
  exact.setTimeout(() => fired.push(base.now()), 3);
  base.advance(100);
  assert.deepEqual(fired, [10]);
  const coarse = new CoalescedTimers(100, base);
  base.now_ = 150;
  coarse.setTimeout(() => fired.push(base.now()), 0);
  base.advance(1000);
  assert.deepEqual(fired, [10, 150]);
  assert.equal(checkpointGrainMs(1000), 100);
  assert.equal(checkpointGrainMs(200), 20);
  assert.equal(checkpointGrainMs(0), 0);
  assert.throws(() => new CoalescedTimers(-1, base), /grainMs .* -1/);
});
