import assert from "node:assert/strict";
import { CallClock, CpuReading, wallBackstopMs } from "../../../runtime/sandbox/cpu-clock.ts";
import { threadClocks } from "../../../runtime/sandbox/worker/core-instances.ts";

/** Hand-driven clocks: wall time and the thread's CPU time move only when the test says. */
function clocks() {
  const c = { wall: 1_000, cpu: 0, cpuReads: 0 };
  const clock = new CallClock({
    wallMs: () => c.wall,
    cpuMs: () => {
      c.cpuReads++;
      return c.cpu;
    },
  });
  return { c, clock };
}

Deno.test("a call that spends its wall time off the CPU is not stopped at its limit", () => {
  const { c, clock } = clocks();
  clock.start(100);
  assert.equal(clock.deadline, 1_100);
  c.wall += 150; // a loaded host: the thread ran 30 ms in 150 ms
  c.cpu += 30;
  assert.equal(clock.check(), false);
  assert.equal(clock.deadline, 1_150 + 70);
  c.wall += 70;
  c.cpu += 69;
  assert.equal(clock.check(), false);
  c.wall += 1;
  c.cpu += 1;
  assert.equal(clock.check(), true);
  assert.equal(clock.overrun, "cpu");
  assert.match(
    clock.describe(),
    /^call used more than 100 ms of CPU time \(in 221 ms of wall time\)$/,
  );
});

Deno.test("a call on a free CPU is stopped once its CPU time reaches the limit", () => {
  const { c, clock } = clocks();
  clock.start(50);
  c.wall += 50;
  c.cpu += 50;
  assert.equal(clock.check(), true);
  assert.equal(clock.overrun, "cpu");
});

Deno.test("a call starved of CPU stops at the wall-time backstop", () => {
  const { c, clock } = clocks();
  clock.start(50);
  assert.equal(wallBackstopMs(50), 2_050);
  c.wall += 2_049;
  assert.equal(clock.check(), false);
  assert.equal(clock.deadline, 1_000 + 2_050);
  c.wall += 1;
  assert.equal(clock.check(), true);
  assert.equal(clock.overrun, "wall");
  assert.match(clock.describe(), /past the backstop of 2050 ms for a CPU limit of 50 ms/);
  assert.equal(wallBackstopMs(1_000), 10_000);
});

Deno.test("calls within their limit in wall time share one reading of the CPU clock", () => {
  const { c, clock } = clocks();
  for (let i = 0; i < 100; i++) {
    clock.start(1_000);
    c.wall += 0.5;
    c.cpu += 0.5;
    clock.end();
  }
  // One reading at the first call, one per 100 ms (a tenth of the limit) of wall time after.
  assert.equal(c.cpuReads, 1);
  assert.equal(clock.deadline, Infinity);
});

Deno.test("CPU time the thread spent before a call is never charged to it", () => {
  const { c, clock } = clocks();
  clock.start(100); // reads the CPU clock at 0
  clock.end();
  c.wall += 9; // a neighbour on the same thread runs 9 ms; the reading is reused
  c.cpu += 9;
  clock.start(100);
  c.wall += 100;
  c.cpu += 99; // the call itself: 99 ms
  assert.equal(clock.check(), false);
  assert.equal(clock.overrun, undefined);
});

Deno.test("a sleep past the backstop stops the call for wall time", () => {
  const { clock } = clocks();
  clock.start(100);
  assert.equal(clock.sleepLimit, 1_000 + 2_100);
  clock.stopForWall();
  assert.equal(clock.check(), true);
  assert.equal(clock.overrun, "wall");
});

Deno.test("the thread clock counts computing, not sleeping", () => {
  const c0 = threadClocks.cpuMs();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  const asleep = threadClocks.cpuMs() - c0;
  assert.ok(asleep < 50, `200 ms asleep counted ${asleep} ms of CPU time`);
  // Busy until the thread's CPU time moved 30 ms, however long that takes on a loaded host
  // (within 30 s of wall time).
  const c1 = threadClocks.cpuMs();
  const until = performance.now() + 30_000;
  let busy = 0;
  while (busy < 30 && performance.now() < until) busy = threadClocks.cpuMs() - c1;
  assert.ok(busy >= 30, `busy for 30 s of wall time, the thread clock moved ${busy} ms`);
});

Deno.test("agents on one thread share its CPU reading", () => {
  const c = { wall: 0, cpu: 0, reads: 0 };
  const clocks = {
    wallMs: () => c.wall,
    cpuMs: () => (c.reads++, c.cpu),
  };
  const reading = new CpuReading();
  const agents = [1, 2, 3].map(() => new CallClock(clocks, reading));
  for (let round = 0; round < 10; round++) {
    for (const a of agents) {
      a.start(1_000);
      c.wall += 1;
      c.cpu += 1;
      a.end();
    }
  }
  assert.equal(c.reads, 1, "30 calls in 30 ms of three agents: one reading");
});
