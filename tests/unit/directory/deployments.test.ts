import assert from "node:assert/strict";
import {
  apply,
  createDirectoryState,
  type DeploymentRecord,
  getDeployment,
  listDeployments,
  MAX_DEPLOYMENTS,
  restore,
  snapshot,
} from "../../../runtime/directory/mod.ts";
import { at, mustApply } from "./fixtures.ts";

function deployment(id: string, status: DeploymentRecord["status"], agent = "a"): DeploymentRecord {
  return {
    id,
    agent,
    node: "node-a",
    strategy: { type: "canary", stages: [{ percentage: 100, duration: 0 }] },
    status,
    stage: 0,
    stage_started_at: at(),
    weight: status === "completed" ? 100 : 10,
    from: { seq: 1, version: "1.0.0" },
    started_at: at(),
    updated_at: at(),
  };
}

Deno.test("directory: deployments are put, moved on only from the status expected", () => {
  const s = createDirectoryState();
  const r = mustApply(s, {
    type: "deployment.put",
    deployment: deployment("deploy_1", "in_progress"),
  });
  assert.deepEqual(r.events.map((e) => e.type), ["deployment.changed"]);
  // Two nodes racing to move it on: the first wins, the second is stale.
  const done = deployment("deploy_1", "completed");
  mustApply(s, { type: "deployment.put", deployment: done, expected_status: "in_progress" });
  const late = apply(s, {
    type: "deployment.put",
    deployment: deployment("deploy_1", "rolled_back"),
    expected_status: "in_progress",
  });
  assert.equal(!late.ok && late.reason, "stale-state");
  assert.match(!late.ok ? late.message : "", /'deploy_1' is 'completed', not 'in_progress'/);
  assert.equal(getDeployment(s, "deploy_1")!.status, "completed");
  const ghost = apply(s, {
    type: "deployment.put",
    deployment: deployment("deploy_2", "completed"),
    expected_status: "in_progress",
  });
  assert.equal(!ghost.ok && ghost.reason, "not-registered");
  const other = apply(s, {
    type: "deployment.put",
    deployment: deployment("deploy_1", "completed", "b"),
  });
  assert.equal(!other.ok && other.reason, "unsupported-value");
});

Deno.test("directory: deployments are bounded, listed newest first, and survive a snapshot", () => {
  const s = createDirectoryState();
  for (let i = 0; i < MAX_DEPLOYMENTS + 3; i++) {
    mustApply(s, {
      type: "deployment.put",
      deployment: deployment(`deploy_${i}`, "completed", i % 2 ? "a" : "b"),
    });
  }
  assert.equal(s.deployments.size, MAX_DEPLOYMENTS);
  assert.equal(getDeployment(s, "deploy_2"), undefined, "the oldest go first");
  const newest = listDeployments(s, { agent: "a" });
  assert.equal(newest[0].id, `deploy_${MAX_DEPLOYMENTS + 1}`);
  assert.ok(newest.every((d) => d.agent === "a"));
  const back = restore(snapshot(s));
  assert.deepEqual(listDeployments(back), listDeployments(s));
  assert.deepEqual(snapshot(back), snapshot(s));
});
