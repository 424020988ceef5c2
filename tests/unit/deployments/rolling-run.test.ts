// The rolling shell over a fake set of replicas: which instances it reads as new, healthy or
// failed, the batches it asks for, the rollback and the completion.
import assert from "node:assert/strict";
import {
  type RollingReplicas,
  type RollingRun,
  RollingRuns,
} from "../../../runtime/deployments/mod.ts";
import type { ReplicaPlacement } from "../../../runtime/directory/mod.ts";

const NEW = "sha256:" + "22".repeat(32);

function fake(
  stats: Record<number, { state: string; failed?: number; restarts?: number; hash?: string }>,
) {
  let placed: ReplicaPlacement[] = [0, 1, 2, 3].map((index) => ({ index, node: `n${index}` }));
  const calls: { next: boolean; indexes: readonly number[] }[] = [];
  const replicas: RollingReplicas = {
    placement: () => placed,
    instances: () =>
      Promise.resolve(placed.map((p) => ({
        index: p.index,
        state: stats[p.index]?.state ?? "running",
        failed: stats[p.index]?.failed ?? 0,
        restarts: stats[p.index]?.restarts ?? 0,
        component_hash: stats[p.index]?.hash ?? "old",
      }))),
    rollout: (_name, next, indexes) => {
      calls.push({ next: next !== undefined, indexes });
      placed = placed.map(({ next: _, ...p }) =>
        next && indexes.includes(p.index) ? { ...p, next: true as const } : p
      );
      return Promise.resolve();
    },
    ownIndex: () => 0,
    share: () => Promise.resolve(),
    carrier: () => false,
    lost: () => false,
    rolloutOf: () => undefined,
  };
  return { replicas, calls };
}

function run(): RollingRun {
  const at = new Date(0).toISOString();
  return {
    record: {
      id: "deploy_x",
      agent: "a",
      node: "n0",
      strategy: { type: "rolling" },
      status: "in_progress",
      stage: 0,
      stage_started_at: at,
      weight: 0,
      started_at: at,
      updated_at: at,
    },
    batchSize: 2,
    pauseMs: 0,
    next: { component_hash: NEW, config: {} },
    source: { bytes: new Uint8Array(), config: {} },
  };
}

Deno.test("rolling shell: batches of 2 over the replicas (the agent's own last), then the update", async () => {
  const stats: Record<number, { state: string; hash?: string }> = {};
  const { replicas, calls } = fake(stats);
  const updated: string[] = [];
  const roller = new RollingRuns(
    replicas,
    (name) => {
      updated.push(name);
      return Promise.resolve();
    },
    () => 1000,
    () => Promise.resolve(),
  );
  const r = run();
  const first = await roller.step(r);
  assert.equal(first.type, "stage");
  assert.deepEqual(calls.at(-1), { next: true, indexes: [1, 2] });
  assert.equal(r.record.weight, 50);
  // Still on the old component: starting, so it waits.
  assert.deepEqual(await roller.step(r), { type: "none" });
  stats[1] = { state: "running", hash: NEW };
  stats[2] = { state: "starting", hash: NEW };
  assert.deepEqual(await roller.step(r), { type: "none" });
  stats[2] = { state: "running", hash: NEW };
  assert.equal((await roller.step(r)).type, "stage");
  assert.deepEqual(calls.at(-1), { next: true, indexes: [1, 2, 3] });
  stats[3] = { state: "running", hash: NEW };
  assert.deepEqual(await roller.step(r), { type: "end", status: "completed" });
  assert.deepEqual(updated, ["a"]);
});

Deno.test("rolling shell: a new instance that restarted rolls every instance back", async () => {
  const stats = { 1: { state: "running", restarts: 1, hash: NEW } };
  const { replicas, calls } = fake(stats);
  const roller = new RollingRuns(
    replicas,
    () => Promise.reject(new Error("no update on a rollback")),
    () => 1000,
    () => Promise.resolve(),
  );
  const r = run();
  r.batchSize = 1;
  await roller.step(r);
  const out = await roller.step(r);
  assert.deepEqual(out, {
    type: "end",
    status: "rolled_back",
    reason: "instance 01 of the new version failed",
  });
  assert.deepEqual(calls.at(-1), { next: false, indexes: [] });
});
