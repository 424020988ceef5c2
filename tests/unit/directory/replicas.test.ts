import assert from "node:assert/strict";
import {
  apply,
  createDirectoryState,
  type DirectoryCommand,
  getAgent,
  parseDirectoryCommand,
  restore,
  snapshot,
} from "../../../runtime/directory/mod.ts";
import { at, HASH, key, mustApply, registerAgent } from "./fixtures.ts";

function setReplicas(name: string, nodes: string[], s = 5): DirectoryCommand {
  return {
    type: "agent.set-replicas",
    name,
    instances: nodes.map((node, index) => ({ index, node })),
    at: at(s),
  };
}

function withMembers() {
  const s = createDirectoryState();
  for (const id of ["node-a", "node-b", "node-c"]) {
    mustApply(s, {
      type: "member.add",
      member: { id, addresses: [], public_key: key(id.length), role: "voter" },
    });
  }
  mustApply(s, registerAgent("rep", "node-a"));
  return s;
}

Deno.test("directory: agent.set-replicas places the instances; one instance clears them", () => {
  const s = withMembers();
  const r = mustApply(s, setReplicas("rep", ["node-a", "node-b", "node-c"]));
  assert.equal(r.events[0].type, "agent.updated");
  assert.deepEqual(getAgent(s, "rep")!.instances, [
    { index: 0, node: "node-a" },
    { index: 1, node: "node-b" },
    { index: 2, node: "node-c" },
  ]);
  // The snapshot keeps them.
  const back = restore(snapshot(s));
  assert.deepEqual(getAgent(back, "rep")!.instances, getAgent(s, "rep")!.instances);
  mustApply(s, setReplicas("rep", ["node-a"], 6));
  assert.equal(getAgent(s, "rep")!.instances, undefined);
});

Deno.test("directory: agent.set-replicas refuses unknown agents, non-members and gaps", () => {
  const s = withMembers();
  const unknown = apply(s, setReplicas("nobody", ["node-a", "node-b"]));
  assert.equal(unknown.ok, false);
  assert.equal(!unknown.ok && unknown.reason, "not-registered");
  const stranger = apply(s, setReplicas("rep", ["node-a", "node-z"]));
  assert.equal(!stranger.ok && stranger.reason, "unsupported-value");
  assert.match(!stranger.ok ? stranger.message : "", /node-z/);
  const gap = apply(s, {
    type: "agent.set-replicas",
    name: "rep",
    instances: [{ index: 0, node: "node-a" }, { index: 2, node: "node-b" }],
    at: at(7),
  });
  assert.equal(!gap.ok && gap.reason, "unsupported-value");
  assert.equal(getAgent(s, "rep")!.instances, undefined);
  // Over the maximum, the schema refuses it where it enters the process.
  assert.throws(
    () =>
      parseDirectoryCommand({
        ...setReplicas("rep", Array.from({ length: 17 }, () => "node-a")),
      }),
    /instances/,
  );
});

Deno.test("directory: a version that is not stateless drops the placement", () => {
  const s = withMembers();
  mustApply(s, setReplicas("rep", ["node-a", "node-b"]));
  mustApply(s, {
    type: "agent.record-version",
    name: "rep",
    node: "node-a",
    component_hash: HASH,
    manifest: { capabilities: [], limits: {}, stateless: true },
    config: {},
    deployment_id: "d1",
    at: at(8),
  });
  assert.equal(getAgent(s, "rep")!.instances?.length, 2);
  mustApply(s, {
    type: "agent.record-version",
    name: "rep",
    node: "node-a",
    component_hash: HASH,
    manifest: { capabilities: [], limits: {} },
    config: {},
    deployment_id: "d2",
    at: at(9),
  });
  assert.equal(getAgent(s, "rep")!.instances, undefined);
});
