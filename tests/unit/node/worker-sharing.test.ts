// The node's `agentsPerWorker` and `spreadWorkers` settings reach its sandbox: three agents on
// a node that allows two to a Worker and spreads over one take two Workers.
import assert from "node:assert/strict";
import { DeployConfigSchema } from "../../../runtime/agents/mod.ts";
import { ConfigSchema } from "../../../runtime/config/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { startNode } from "../../../runtime/node/mod.ts";
import { Sandbox } from "../../../runtime/sandbox/mod.ts";

const TINY = new URL("../../../agents/dist/tiny.wasm", import.meta.url);

Deno.test("a node started with --agents-per-worker 2 puts at most two agents in a Worker", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "fe-sharing-" });
  const node = await startNode(
    ConfigSchema.parse({
      name: "sharing",
      port: 0,
      p2pPort: 0,
      dataDir,
      sampleAgents: "off",
      logLevel: "error",
      agentsPerWorker: 2,
      spreadWorkers: 1,
    }),
    silentLogger,
  );
  try {
    const sandbox = node.agents.deps.sandbox;
    if (!(sandbox instanceof Sandbox)) throw new Error("the node's sandbox is not a Sandbox");
    assert.equal(sandbox.maxAgentsPerWorker, 2);
    assert.equal(sandbox.spreadWorkers, 1);
    const bytes = await Deno.readFile(TINY);
    for (const name of ["t1", "t2", "t3"]) {
      await node.agents.deploy(bytes, DeployConfigSchema.parse({ name }));
    }
    const hosting = sandbox.stats().agentsPerWorker.filter((n) => n > 0).sort();
    assert.deepEqual(hosting, [1, 2]);
  } finally {
    await node.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
