// The deadline timer (due times of shards, one timer for the earliest) and the sweep timer,
// driven by manual timers.
import assert from "node:assert/strict";
import { ManualTimers } from "../../../runtime/async/mod.ts";
import { DeadlineTimer } from "../../../runtime/conversations/deadline-timer.ts";
import { SweepTimer } from "../../../runtime/conversations/sweep-timer.ts";

/** By default a fire steps every due shard (forgets its due time) and re-arms, as a tick does. */
function setup(fire: (t: DeadlineTimer, now: number) => void = stepAll) {
  const timers = new ManualTimers();
  const fired: number[] = [];
  const errors: unknown[] = [];
  const timer: DeadlineTimer = new DeadlineTimer({
    timers,
    now: () => timers.now(),
    fire: () => {
      fired.push(timers.now());
      fire(timer, timers.now());
    },
    onError: (e) => errors.push(e),
  });
  return { timers, timer, fired, errors };
}

function stepAll(t: DeadlineTimer, now: number): void {
  for (const [agent, cid] of t.dueBy(now)) t.delete(agent, cid);
  t.rearm();
}

Deno.test("deadline timer: fires just after the earliest due time; an earlier one re-arms it", () => {
  const { timers, timer, fired } = setup();
  timer.set("a@p", "c1", 500);
  assert.equal(timer.armedAt, 500);
  timer.set("a@p", "c2", 900);
  assert.equal(timer.armedAt, 500, "a later due time waits");
  timer.set("b@p", "c1", 200);
  assert.equal(timer.armedAt, 200);
  assert.equal(timers.pending, 1, "one timer");
  timers.advance(200);
  assert.deepEqual(fired, []);
  timers.advance(1);
  assert.deepEqual(fired, [201]);
  assert.equal(timer.size, 2);
  assert.equal(timer.armedAt, 500);
});

Deno.test("deadline timer: dueBy names the shards due; postpone keeps a stuck one from spinning", () => {
  const { timer } = setup();
  timer.set("a@p", "c1", 100);
  timer.set("a@p", "c2", 300);
  timer.set("b@p", "c\u00001", 50);
  assert.deepEqual(timer.dueBy(100), [["a@p", "c1"], ["b@p", "c\u00001"]]);
  timer.postpone("a@p", "c1", 100);
  assert.equal(timer.get("a@p", "c1"), 1100);
  timer.set("a@p", "c2", 5000);
  timer.postpone("a@p", "c2", 100);
  assert.equal(timer.get("a@p", "c2"), 5000, "a shard whose step moved it on is left");
  timer.set("a@p", "c2", undefined);
  timer.delete("b@p", "c\u00001");
  assert.equal(timer.size, 1);
  assert.deepEqual(timer.dueBy(10_000), [["a@p", "c1"]]);
});

Deno.test("deadline timer: rearm looks at every due time; nothing due leaves it unarmed", () => {
  const { timers, timer, fired } = setup();
  timer.set("a@p", "c1", 100);
  timer.set("a@p", "c2", 400);
  timers.advance(101);
  assert.equal(timer.armedAt, 400, "re-armed for the next one after the fire");
  timers.advance(300);
  assert.deepEqual(fired, [101, 401]);
  assert.equal(timer.armedAt, Infinity);
  assert.equal(timers.pending, 0);
  timer.set("a@p", "c3", 5000);
  timer.delete("a@p", "c3");
  timer.rearm();
  assert.equal(timer.armedAt, Infinity, "a forgotten due time is dropped at the rescan");
  assert.equal(timers.pending, 0);
});

Deno.test("deadline timer: a fire that throws is reported and the timer re-armed", () => {
  let calls = 0;
  const { timers, timer, errors, fired } = setup((t, now) => {
    if (++calls === 1) throw new Error("boom");
    stepAll(t, now);
  });
  timer.set("a@p", "c1", 100);
  timers.advance(101);
  assert.equal(errors.length, 1);
  assert.deepEqual(fired, [101, 101], "still due: armed again at once");
  assert.equal(timer.size, 0);
});

Deno.test("deadline timer: close stops it for good; without timers it never arms", () => {
  const { timers, timer, fired } = setup();
  timer.set("a@p", "c1", 100);
  timer.close();
  assert.equal(timers.pending, 0);
  timer.set("a@p", "c2", 50);
  timers.advance(1000);
  assert.deepEqual(fired, []);
  const none = new DeadlineTimer({ timers: null, now: () => 0, fire: () => {} });
  none.set("a@p", "c1", 10);
  assert.equal(none.armedAt, Infinity);
  assert.deepEqual(none.dueBy(10), [["a@p", "c1"]]);
});

Deno.test("sweep timer: sweeps every period, survives a failing sweep, stops on close", () => {
  const timers = new ManualTimers();
  const at: number[] = [];
  const errors: unknown[] = [];
  const sweeper = new SweepTimer(timers, 1000, () => {
    at.push(timers.now());
    if (at.length === 2) throw new Error("boom");
  }, (e) => errors.push(e));
  sweeper.start();
  sweeper.start();
  assert.equal(timers.pending, 1, "a second start does nothing");
  timers.advance(3000);
  assert.deepEqual(at, [1000, 2000, 3000]);
  assert.equal(errors.length, 1);
  sweeper.close();
  sweeper.start();
  timers.advance(5000);
  assert.deepEqual(at, [1000, 2000, 3000]);
  assert.equal(timers.pending, 0);
});
