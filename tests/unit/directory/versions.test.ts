import assert from "node:assert/strict";
import {
  apply,
  createDirectoryState,
  type DirectoryCommand,
  getAgent,
  listVersions,
  MAX_AGENT_VERSIONS,
  parseDirectoryCommand,
  restore,
  snapshot,
} from "../../../runtime/directory/mod.ts";
import { at, mustApply, registerAgent } from "./fixtures.ts";

function recordVersion(
  name: string,
  hash: string,
  extra: Partial<Extract<DirectoryCommand, { type: "agent.record-version" }>> = {},
): DirectoryCommand {
  return {
    type: "agent.record-version",
    name,
    node: "node-a",
    component_hash: hash,
    manifest: { version: "x", capabilities: ["messaging"], limits: { memory_bytes: 1 << 21 } },
    config: { limits: { memory: 1 << 21 }, restart: { type: "backoff" } },
    deployment_id: "deploy_1",
    at: at(10),
    ...extra,
  };
}

const H1 = "sha256:" + "11".repeat(32);
const H2 = "sha256:" + "22".repeat(32);

Deno.test("directory: versions are numbered, labelled, and move the agent's component", () => {
  const s = createDirectoryState();
  mustApply(s, registerAgent("echo@node-a"));
  mustApply(s, recordVersion("echo@node-a", H1, { version: "1.0.0", deployed_by: "alice" }));
  const r = mustApply(s, recordVersion("echo@node-a", H2, { at: at(20) }));
  assert.deepEqual(r.events.map((e) => e.type), ["agent.updated"]);
  const vs = listVersions(s, "echo@node-a");
  assert.deepEqual(vs.map((v) => [v.seq, v.version, v.component_hash]), [
    [1, "1.0.0", H1],
    [2, "v2", H2],
  ]);
  assert.equal(vs[0].deployed_by, "alice");
  assert.equal(vs[1].deployed_by, undefined);
  assert.deepEqual(vs[1].config, { limits: { memory: 1 << 21 }, restart: { type: "backoff" } });
  const a = getAgent(s, "echo@node-a")!;
  assert.equal(a.component_hash, H2);
  assert.equal(a.manifest.limits.memory_bytes, 1 << 21);
  assert.equal(a.updated_at, at(20));
  assert.ok(Object.isFrozen(vs[0]) && Object.isFrozen(vs[0].config));
});

Deno.test("directory: a version of an unknown agent or from another node is refused", () => {
  const s = createDirectoryState();
  const r1 = apply(s, recordVersion("ghost@node-a", H1));
  assert.equal(r1.ok, false);
  assert.equal(!r1.ok && r1.reason, "not-registered");
  mustApply(s, registerAgent("echo@node-a", "node-b"));
  const r2 = apply(s, recordVersion("echo@node-a", H1));
  assert.equal(!r2.ok && r2.reason, "stale-location");
  assert.match(!r2.ok ? r2.message : "", /on node 'node-b', not 'node-a'/);
  assert.equal(listVersions(s, "echo@node-a").length, 0);
  assert.equal(s.revision, 1, "refusals change nothing");
});

Deno.test("directory: at most MAX_AGENT_VERSIONS are kept; deregistering drops them", () => {
  const s = createDirectoryState();
  mustApply(s, registerAgent("echo@node-a"));
  for (let i = 0; i < MAX_AGENT_VERSIONS + 5; i++) {
    mustApply(s, recordVersion("echo@node-a", i % 2 ? H1 : H2));
  }
  const vs = listVersions(s, "echo@node-a");
  assert.equal(vs.length, MAX_AGENT_VERSIONS);
  assert.equal(vs[0].seq, 6);
  assert.equal(vs.at(-1)!.seq, MAX_AGENT_VERSIONS + 5, "numbers are never reused");
  mustApply(s, { type: "agent.deregister", name: "echo@node-a", at: at(30) });
  assert.equal(listVersions(s, "echo@node-a").length, 0);
});

Deno.test("directory: versions survive a snapshot; bad version lists are refused", () => {
  const s = createDirectoryState();
  mustApply(s, registerAgent("echo@node-a"));
  mustApply(s, recordVersion("echo@node-a", H1, { version: "1.0.0" }));
  mustApply(s, recordVersion("echo@node-a", H2, { deployed_by: "bob" }));
  const bytes = snapshot(s);
  const back = restore(bytes);
  assert.deepEqual(listVersions(back, "echo@node-a"), listVersions(s, "echo@node-a"));
  assert.deepEqual(snapshot(back), bytes, "the same state gives the same bytes");

  const doc = JSON.parse(new TextDecoder().decode(bytes));
  doc.versions[0].versions.reverse();
  assert.throws(
    () => restore(new TextEncoder().encode(JSON.stringify(doc))),
    /versions of 'echo@node-a' out of order/,
  );
});

Deno.test("directory: a version command's config is bounded JSON", () => {
  const big = recordVersion("echo@node-a", H1, { config: { blob: "x".repeat(20_000) } });
  assert.throws(() => parseDirectoryCommand(big), /config must be at most 16384/);
  assert.throws(
    () => parseDirectoryCommand({ ...recordVersion("echo@node-a", H1), version: "" }),
    /version/,
  );
  parseDirectoryCommand(recordVersion("echo@node-a", H1));
});

Deno.test("directory: a registration with first_version records the version in the same commit", () => {
  const s = createDirectoryState();
  const first = {
    version: "1.0.0",
    config: { limits: { memory: 1 << 21 } },
    deployment_id: "deploy_a",
    deployed_by: "alice",
  };
  const cmd = { ...registerAgent("echo@node-a"), first_version: first } as DirectoryCommand;
  assert.deepEqual(parseDirectoryCommand(cmd), cmd);
  const r = mustApply(s, cmd);
  assert.deepEqual(r.events.map((e) => e.type), ["agent.registered"]);
  const a = getAgent(s, "echo@node-a")!;
  assert.deepEqual(listVersions(s, "echo@node-a"), [{
    seq: 1,
    version: "1.0.0",
    component_hash: a.component_hash,
    manifest: a.manifest,
    config: first.config,
    node: "node-a",
    deployment_id: "deploy_a",
    deployed_by: "alice",
    deployed_at: a.registered_at,
  }]);
  // The next version numbers on from it; without a label it is v<seq>.
  mustApply(s, recordVersion("echo@node-a", H2));
  assert.deepEqual(listVersions(s, "echo@node-a").map((v) => v.version), ["1.0.0", "v2"]);
  // A refused registration records nothing.
  const again = apply(s, { ...cmd, first_version: { ...first, version: "9" } } as DirectoryCommand);
  assert.equal(!again.ok && again.reason, "already-registered");
  assert.equal(listVersions(s, "echo@node-a").length, 2);
  // Unlabelled, it is v1; deregistering drops it with the agent.
  mustApply(s, { type: "agent.deregister", name: "echo@node-a", at: at(30) });
  const { version: _, ...unlabelled } = first;
  mustApply(s, { ...registerAgent("echo@node-a"), first_version: unlabelled } as DirectoryCommand);
  assert.deepEqual(listVersions(s, "echo@node-a").map((v) => [v.seq, v.version]), [[1, "v1"]]);
  assert.throws(
    () => parseDirectoryCommand({ ...cmd, first_version: { ...first, extra: 1 } }),
    /extra/,
  );
});
