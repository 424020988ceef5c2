// The client's cluster methods against two real node processes: cluster status, the
// directory of the whole cluster, and a migration from one node to the other.
import assert from "node:assert/strict";
import { watAgentBytes } from "../../../agents/build/mod.ts";
import { FipaEdgeClient } from "../../../client/mod.ts";
import { spawnCluster, waitFor } from "../../support/cluster-procs.ts";

Deno.test("client: cluster, directory and migrate across two nodes", async () => {
  const nodes = await spawnCluster(["cm1", "cm2"], "cplat");
  try {
    const [a, b] = nodes.map((n) => new FipaEdgeClient(n.proc.url));
    // At any instant leadership may be between two terms (a leader that did not hear from
    // the other voter within an election timeout, as on a loaded machine, steps down and an
    // election follows): once cm1 knows a leader, exactly that member is flagged.
    const status = await waitFor("cm1 to know a leader", async () => {
      const s = await a.cluster();
      return s.leader !== null ? s : undefined;
    });
    assert.deepEqual([...status.voters].sort(), ["cm1", "cm2"]);
    assert.deepEqual(status.members.filter((m) => m.is_leader).map((m) => m.id), [status.leader]);

    await a.deploy(await watAgentBytes("tiny"), { name: "walker" });
    const report = await a.migrate("walker", "cm2");
    assert.deepEqual([report.agent, report.from, report.to, report.node], [
      "walker",
      "cm1",
      "cm2",
      "cm2",
    ]);
    assert.ok(report.snapshot_bytes > 0);
    assert.equal((await b.agent("walker")).status, "running");
    const dir = await waitFor("the directory on cm1 to show walker on cm2", async () => {
      const d = await a.directory({ node: "cm2" });
      return d.agents.some((r) => r.name === "walker") ? d : undefined;
    });
    assert.equal(dir.node, "cm1");
    const { reply } = await a.sendAndWait({
      performative: "request",
      receiver: "walker",
      content: "moved",
    });
    assert.equal(reply.content, "moved");
  } finally {
    await Promise.all(nodes.map((n) => n.proc.stop()));
  }
});
