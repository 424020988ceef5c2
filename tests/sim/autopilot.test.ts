import assert from "node:assert/strict";
import { runScenario } from "./scenario.ts";

/**
 * The autopilot in the simulator: seeds forced into autopilot mode (in the 1,000 seeds of
 * `sim_*.test.ts` it is drawn in 3 runs of 10). Each run must pass every safety invariant,
 * liveness, convergence and the linearizability check, and together they must have
 * exercised what the feature is about: dead voters replaced (promotion, then removal),
 * crashes in the middle of a promotion, and removed nodes returning as learners.
 */
Deno.test("simulation: the autopilot replaces dead voters under faults, linearizably", () => {
  const totals = { promote: 0, remove: 0, returned: 0, crashes: 0 };
  for (let seed = 5000; seed < 5040; seed++) {
    const r = runScenario(seed, { autopilot: true });
    assert.ok(r.autopilot);
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) {
      totals[k] += r.autopilotEvents[k];
    }
  }
  assert.ok(totals.promote >= 10, `promotions: ${JSON.stringify(totals)}`);
  assert.ok(totals.remove >= 10, `removals: ${JSON.stringify(totals)}`);
  assert.ok(totals.returned >= 5, `returns: ${JSON.stringify(totals)}`);
  assert.ok(totals.crashes >= 3, `crashes during a promotion: ${JSON.stringify(totals)}`);
});
