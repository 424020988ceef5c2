// Coarse timeouts: waits share one timer per slot, never fire early, at most a slot late, and
// a slot's timer goes with its last wait.
import assert from "node:assert/strict";
import { ManualTimers, TimeoutSlots } from "../../runtime/async/mod.ts";

function slots(slotMs = 8) {
  const timers = new ManualTimers();
  return { timers, slots: new TimeoutSlots({ timers, now: () => timers.now(), slotMs }) };
}

Deno.test("timeouts in one slot share a timer and fire never early, at most a slot late", () => {
  const { timers, slots: s } = slots();
  const fired: string[] = [];
  timers.advance(3);
  s.add(() => fired.push("a"), 20); // due 23 → slot 24
  s.add(() => fired.push("b"), 21); // due 24 → slot 24
  s.add(() => fired.push("c"), 30); // due 33 → slot 40
  assert.equal(timers.pending, 2, "one timer per slot");
  assert.equal(s.size, 3);
  timers.advance(19); // t = 22
  assert.deepEqual(fired, []);
  timers.advance(2); // t = 24
  assert.deepEqual(fired, ["a", "b"]);
  timers.advance(15); // t = 39
  assert.deepEqual(fired, ["a", "b"]);
  timers.advance(1); // t = 40
  assert.deepEqual(fired, ["a", "b", "c"]);
  assert.equal(s.slots, 0);
  assert.equal(timers.pending, 0);
});

Deno.test("a cancelled timeout does not fire; the last one out clears the slot's timer", () => {
  const { timers, slots: s } = slots();
  const fired: string[] = [];
  const a = s.add(() => fired.push("a"), 100);
  const b = s.add(() => fired.push("b"), 100);
  s.cancel(a);
  assert.equal(timers.pending, 1, "b still waits");
  s.cancel(b);
  s.cancel(b); // twice: ignored
  assert.equal(timers.pending, 0, "the emptied slot's timer is cleared");
  timers.advance(1000);
  assert.deepEqual(fired, []);
});

Deno.test("a timeout that throws does not keep the others of its slot from firing", () => {
  const { timers, slots: s } = slots();
  const fired: string[] = [];
  s.add(() => {
    throw new Error("boom");
  }, 5);
  s.add(() => fired.push("b"), 5);
  assert.throws(() => timers.advance(8), /boom/);
  assert.deepEqual(fired, ["b"]);
});

Deno.test("TimeoutSlots refuses a slot narrower than 1 ms, naming it", () => {
  assert.throws(() => new TimeoutSlots({ slotMs: 0 }), /slotMs must be >= 1, got 0/);
});
