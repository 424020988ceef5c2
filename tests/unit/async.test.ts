import assert from "node:assert/strict";
import { backoffDelay, pollUntil } from "../../runtime/async/mod.ts";

Deno.test("pollUntil resolves with the first defined value and names what timed out", async () => {
  let n = 0;
  assert.equal(await pollUntil("three", () => (++n >= 3 ? n : undefined), { intervalMs: 1 }), 3);
  await assert.rejects(
    pollUntil("never", () => {
      throw new Error("boom");
    }, { timeoutMs: 20, intervalMs: 5 }),
    /timed out waiting for never: Error: boom/,
  );
  await assert.rejects(pollUntil("x", () => 1, { timeoutMs: 0 }), /timeoutMs must be > 0, got 0/);
});

Deno.test("backoffDelay grows by the factor from the initial delay up to the cap", () => {
  const s = { initialDelayMs: 100, factor: 2, maxDelayMs: 1000 };
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((r) => backoffDelay(s, r)), [
    100,
    200,
    400,
    800,
    1000,
    1000,
  ]);
  assert.equal(backoffDelay({ initialDelayMs: 100, factor: 1.5, maxDelayMs: 1000 }, 2), 150);
  assert.equal(backoffDelay({ initialDelayMs: 0, factor: 1, maxDelayMs: 0 }, 9), 0);
});

Deno.test("backoffDelay names the parameter that is out of range", () => {
  const ok = { initialDelayMs: 100, factor: 2, maxDelayMs: 1000 };
  assert.throws(() => backoffDelay({ ...ok, initialDelayMs: -1 }, 1), /initialDelayMs .* got -1/);
  assert.throws(() => backoffDelay({ ...ok, factor: 0.5 }, 1), /factor must be .* >= 1, got 0.5/);
  assert.throws(() => backoffDelay({ ...ok, maxDelayMs: NaN }, 1), /maxDelayMs .* got NaN/);
  assert.throws(() => backoffDelay(ok, 0), /retry must be an integer >= 1, got 0/);
  assert.throws(() => backoffDelay(ok, 1.5), /retry must be an integer >= 1, got 1.5/);
});

Deno.test("GroupCommit: one write at a time, changes during a write share the next one", async () => {
  const { GroupCommit } = await import("../../runtime/async/mod.ts");
  const pending: number[] = [];
  const written: number[][] = [];
  const gates: PromiseWithResolvers<void>[] = [];
  const errors: unknown[] = [];
  const c = new GroupCommit(async () => {
    const batch = pending.splice(0);
    if (batch.length === 0) return;
    const gate = Promise.withResolvers<void>();
    gates.push(gate);
    await gate.promise;
    if (batch.includes(-1)) throw new Error("refused");
    written.push(batch);
  }, (e) => errors.push(e));
  const settle = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  pending.push(1);
  c.soon();
  await settle();
  assert.equal(gates.length, 1, "the first write started");
  pending.push(2);
  c.soon();
  pending.push(3);
  c.soon();
  await settle();
  assert.equal(gates.length, 1, "one write at a time");
  gates[0].resolve();
  await settle();
  assert.equal(gates.length, 2, "the changes made meanwhile go in one next write");
  gates[1].resolve();
  await c.flush();
  assert.deepEqual(written, [[1], [2, 3]]);
  pending.push(-1);
  const flushed = c.flush();
  await settle();
  gates[2].resolve();
  await flushed;
  assert.equal(errors.length, 1, "a failed write is reported, not thrown");
});

Deno.test("GroupCommit with lingerMs: a write waits for more changes; flush does not wait", async () => {
  const { GroupCommit, ManualTimers } = await import("../../runtime/async/mod.ts");
  const timers = new ManualTimers();
  const pending: number[] = [];
  const written: number[][] = [];
  const c = new GroupCommit(
    () => {
      const batch = pending.splice(0);
      if (batch.length) written.push(batch);
      return Promise.resolve();
    },
    () => {},
    { lingerMs: 20, timers },
  );
  const settle = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  pending.push(1);
  c.soon();
  await settle();
  assert.deepEqual(written, [], "the write lingers");
  timers.advance(10);
  pending.push(2);
  c.soon();
  await settle();
  assert.deepEqual(written, [], "still lingering at 10 ms");
  timers.advance(10);
  await settle();
  assert.deepEqual(written, [[1, 2]], "one write for both changes at 20 ms");
  pending.push(3);
  c.soon();
  assert.equal(timers.pending, 1, "the next change lingers again");
  await c.flush();
  assert.deepEqual(written, [[1, 2], [3]], "flush wrote at once");
  assert.equal(timers.pending, 0, "flush cleared the linger");
  assert.throws(() => new GroupCommit(async () => {}, () => {}, { lingerMs: -1 }), /lingerMs/);
});
