import assert from "node:assert/strict";
import { ownInstanceAction, restoresUnstarted } from "../../../runtime/replicas/own-instance.ts";
import type { AgentRecord } from "../../../runtime/directory/mod.ts";
import { AT, version } from "./fixtures.ts";

const H1 = "sha256:" + "1".repeat(64);
const H2 = "sha256:" + "2".repeat(64);

function record(over: Partial<AgentRecord> = {}): AgentRecord {
  return {
    name: "rep",
    node: "a",
    state: "running",
    manifest: { capabilities: [], limits: {}, stateless: true },
    component_hash: H2,
    instances: [{ index: 0, node: "a" }, { index: 1, node: "b" }, { index: 2, node: "c" }],
    registered_at: AT,
    updated_at: AT,
    ...over,
  };
}

const V1 = version(1, H1, "d1", "a");
const V2 = version(2, H2, "d2", "a");
const OLD = { deployment_id: "d1", hash: H1 };

Deno.test("own instance: an older recorded version takes the directory's newest and runs here", () => {
  assert.deepEqual(ownInstanceAction("a", OLD, record(), [V1, V2]), { run: true, adopt: V2 });
});

Deno.test("own instance: the newest version held already is kept", () => {
  assert.deepEqual(ownInstanceAction("a", { deployment_id: "d2", hash: H2 }, record(), [V1, V2]), {
    run: true,
  });
});

Deno.test("own instance: a version the directory has not recorded (an update under way) is kept", () => {
  const held = { deployment_id: "d3", hash: "sha256:" + "3".repeat(64) };
  assert.deepEqual(ownInstanceAction("a", held, record(), [V1, V2]), { run: true });
});

Deno.test("own instance: not placed on this node (moved while it was away), it does not run", () => {
  const moved = record({
    instances: [{ index: 0, node: "b" }, { index: 1, node: "b" }, { index: 2, node: "c" }],
  });
  assert.deepEqual(ownInstanceAction("a", OLD, moved, [V1, V2]), { run: false, adopt: V2 });
  assert.deepEqual(ownInstanceAction("a", { deployment_id: "d2", hash: H2 }, moved, [V1, V2]), {
    run: false,
  });
});

Deno.test("own instance: an agent of another node does not run here", () => {
  assert.equal(ownInstanceAction("a", OLD, record({ node: "b" }), [V1]).run, false);
});

Deno.test("own instance: scaled back to one instance on this node, it runs", () => {
  assert.deepEqual(
    ownInstanceAction("a", { deployment_id: "d2", hash: H2 }, record({ instances: undefined }), [
      V1,
      V2,
    ]),
    { run: true },
  );
});

Deno.test("own instance: stateful agents and names the directory does not know run as restored", () => {
  const stateful = record({ manifest: { capabilities: [], limits: {} }, node: "b" });
  assert.deepEqual(ownInstanceAction("a", OLD, stateful, [V1, V2]), { run: true });
  assert.deepEqual(ownInstanceAction("a", OLD, undefined, [V1, V2]), { run: true });
});

Deno.test("restoresUnstarted: a stateless agent waits for the directory even when the view does not know it", () => {
  const held = (stateless?: boolean) => ({
    manifest: stateless === undefined ? {} : { stateless },
  });
  // The view at start lags (stored commit index): the agent, or its instances, are missing.
  assert.equal(restoresUnstarted(held(true), undefined), true);
  assert.equal(restoresUnstarted(held(true), record({ instances: undefined })), true);
  assert.equal(restoresUnstarted(held(false), record()), true);
  // A stateful agent not replicated in the view is its node's alone: it starts at once.
  assert.equal(restoresUnstarted(held(false), undefined), false);
  assert.equal(restoresUnstarted(held(), record({ instances: undefined })), false);
});
