// The rolling machine, without timers: batches, each healthy before the next; rollback.
import assert from "node:assert/strict";
import { nextRollingStep, type RollingInstance } from "../../../runtime/deployments/rolling.ts";

const old = (id: string): RollingInstance => ({ id, version: "old", state: "running" });

Deno.test("rolling: 5 instances in batches of 2, each batch healthy before the next", () => {
  let instances = ["r0", "r1", "r2", "r3", "r4"].map(old);
  const replaced: string[][] = [];
  for (let guard = 0; guard < 20; guard++) {
    const step = nextRollingStep(2, instances);
    if (step.type === "complete") break;
    assert.equal(step.type, "replace", JSON.stringify(step));
    if (step.type !== "replace") return;
    replaced.push(step.ids);
    instances = instances.map((i) =>
      step.ids.includes(i.id) ? { id: i.id, version: "new", state: "starting" } : i
    );
    // While the batch starts, nothing else is replaced.
    assert.deepEqual(nextRollingStep(2, instances), { type: "wait", ids: step.ids });
    instances = instances.map((i) => i.version === "new" ? { ...i, state: "running" } : i);
  }
  assert.deepEqual(replaced, [["r0", "r1"], ["r2", "r3"], ["r4"]]);
  assert.deepEqual(nextRollingStep(2, instances), { type: "complete" });
});

Deno.test("rolling: a failed new instance rolls back every new one, naming it", () => {
  const step = nextRollingStep(1, [
    { id: "r0", version: "new", state: "running" },
    { id: "r1", version: "new", state: "failed" },
    old("r2"),
  ]);
  assert.deepEqual(step, {
    type: "rollback",
    reason: "instance r1 of the new version failed",
    ids: ["r0", "r1"],
  });
});

Deno.test("rolling: batch_size must be a whole number ≥ 1; nothing to replace completes", () => {
  assert.throws(() => nextRollingStep(0, []), /batch_size .* got 0/);
  assert.throws(() => nextRollingStep(1.5, []), /got 1\.5/);
  assert.deepEqual(nextRollingStep(3, []), { type: "complete" });
  assert.deepEqual(nextRollingStep(3, ["b", "a"].map(old)), { type: "replace", ids: ["a", "b"] });
});

Deno.test("rolling: the pause holds the next batch, never the first", () => {
  const instances: RollingInstance[] = [
    { id: "r0", version: "new", state: "running" },
    old("r1"),
  ];
  const pause = { pauseMs: 3000, lastBatchMs: 10_000 };
  assert.deepEqual(nextRollingStep(1, instances, { ...pause, nowMs: 12_999 }), {
    type: "wait",
    ids: [],
  });
  assert.deepEqual(nextRollingStep(1, instances, { ...pause, nowMs: 13_000 }), {
    type: "replace",
    ids: ["r1"],
  });
  assert.deepEqual(nextRollingStep(1, [old("r0"), old("r1")], { ...pause, nowMs: 10_001 }), {
    type: "replace",
    ids: ["r0"],
  });
});
