// The cluster's agent directory (`clusterAgentDirectory`) over a stand-in for the cluster that
// applies each proposal to a real directory state: what a deploy's claim commits.
import assert from "node:assert/strict";
import { type AgentRecord, DeployConfigSchema } from "../../../runtime/agents/mod.ts";
import { type Cluster, clusterAgentDirectory } from "../../../runtime/cluster/mod.ts";
import {
  apply,
  createDirectoryState,
  type DirectoryCommand,
  getAgent,
  listVersions,
  parseDirectoryCommand,
} from "../../../runtime/directory/mod.ts";

function fakeCluster() {
  const state = createDirectoryState();
  const proposed: DirectoryCommand[] = [];
  const cluster = {
    id: "n1",
    machine: { state },
    propose(cmd: DirectoryCommand) {
      proposed.push(cmd);
      return Promise.resolve(apply(state, parseDirectoryCommand(cmd)));
    },
  } as unknown as Cluster;
  return { cluster, state, proposed };
}

function record(name: string): AgentRecord {
  const c = DeployConfigSchema.parse({ name, version: "2.0.0", limits: { memory: 1 << 22 } });
  return {
    agent_id: "id-1",
    name,
    version: c.version,
    hash: "sha256:" + "cd".repeat(32),
    manifest: c.manifest,
    limits: c.limits,
    restart: c.restart,
    state: "running",
    deployed_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    deployment_id: "deploy_x",
  };
}

Deno.test("cluster directory: register claims the name and records its first version in one commit", async () => {
  const { cluster, state, proposed } = fakeCluster();
  const dir = clusterAgentDirectory(cluster, () => "plat");
  await dir.register(record("a"), { deployedBy: "alice" });
  assert.deepEqual(proposed.map((c) => c.type), ["agent.register"]);
  assert.equal(getAgent(state, "a")?.state, "running");
  const [v] = listVersions(state, "a");
  assert.equal(v.version, "2.0.0");
  assert.equal(v.deployed_by, "alice");
  assert.equal(v.deployment_id, "deploy_x");
  assert.equal(v.component_hash, record("a").hash);
  assert.deepEqual((v.config as { limits: { memory: number } }).limits.memory, 1 << 22);
  // A taken name is refused as before, and records nothing more.
  await assert.rejects(dir.register(record("a"), {}), /already in use on node 'n1'/);
  assert.equal(listVersions(state, "a").length, 1);
});
