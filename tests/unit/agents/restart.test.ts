import assert from "node:assert/strict";
import {
  decideRestart,
  type FailureRecord,
  recordSuccess,
  RestartStrategySchema,
} from "../../../runtime/agents/restart.ts";

const fresh: FailureRecord = { times: [], consecutive: 0 };

Deno.test("immediate restarts at once, none never", () => {
  const d = decideRestart({ type: "immediate" }, fresh, 0);
  assert.ok(d.restart && d.delayMs === 0);
  const n = decideRestart({ type: "none" }, fresh, 0);
  assert.equal(n.restart, false);
});

Deno.test("backoff doubles up to its cap and starts over after a success", () => {
  const s = RestartStrategySchema.parse({ type: "backoff", initial_ms: 100, max_ms: 1000 });
  let rec = fresh;
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    const d = decideRestart(s, rec, i * 10);
    assert.ok(d.restart);
    if (d.restart) delays.push(d.delayMs);
    rec = d.record;
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  rec = recordSuccess(rec);
  const d = decideRestart(s, rec, 100);
  assert.ok(d.restart && d.delayMs === 100);
});

Deno.test("max_failures gives up at the count within the window, not outside it", () => {
  const s = RestartStrategySchema.parse({ type: "max_failures", count: 3, window_secs: 10 });
  let rec = fresh;
  for (const t of [0, 1000]) {
    const d = decideRestart(s, rec, t);
    assert.ok(d.restart);
    rec = d.record;
  }
  const third = decideRestart(s, rec, 2000);
  assert.equal(third.restart, false);
  if (!third.restart) assert.match(third.reason, /3 failures within 10 s/);
  // Spread out: the window forgets old failures.
  let r2 = fresh;
  for (const t of [0, 11_000, 22_000, 33_000]) {
    const d = decideRestart(s, r2, t);
    assert.ok(d.restart, `at ${t}`);
    r2 = d.record;
  }
});

Deno.test("strategies are validated with named fields", () => {
  const bad = RestartStrategySchema.safeParse({ type: "backoff", multiplier: 0.5 });
  assert.equal(bad.success, false);
  assert.equal(RestartStrategySchema.safeParse({ type: "sometimes" }).success, false);
});
