// A canary under way when its node is killed: after the node restarts on its data directory
// the deployment is not left `in_progress` with nothing carrying it on; it is rolled back
// saying why, and the agent answers as the version it ran before.
import assert from "node:assert/strict";
import { pollUntil } from "../../runtime/async/mod.ts";
import { spawnNode } from "../support/node-process.ts";
import { callJson as call } from "../support/http.ts";
import { deployAgent, deploymentOf, startDeployment } from "../support/deployments.ts";

Deno.test("a canary cut short by a node kill is rolled back when the node restarts; the old version answers", async () => {
  const first = await spawnNode(["--rate-limit", "off"]);
  let second: Awaited<ReturnType<typeof spawnNode>> | undefined;
  try {
    await deployAgent(first.url, "tiny.wasm", { name: "cut", version: "1.0.0" });
    const id = await startDeployment(first.url, "cut", "tiny-counter.wasm", "2.0.0", {
      type: "canary",
      stages: [{ percentage: 50, duration: "10m" }, { percentage: 100, duration: "0" }],
    });
    // The record is committed (a read from the directory sees it) before the kill.
    assert.equal((await deploymentOf(first.url, id)).status, "in_progress");
    await first.stop("SIGKILL", { keepData: true });

    second = await spawnNode(["--rate-limit", "off"], {}, { dataDir: first.dataDir });
    const base = second.url;
    const g = await pollUntil("the deployment ended", async () => {
      const r = await call(base, "GET", `/api/v1/deployments/${id}`);
      return r.status === 200 && r.body.status !== "in_progress" ? r.body : undefined;
    }, { timeoutMs: 20_000, intervalMs: 100 });
    assert.equal(g.status, "rolled_back", JSON.stringify(g));
    assert.match(g.reason, /stopped while the deployment was under way.*\(1\.0\.0\)/);
    assert.deepEqual(g.traffic, { "1.0.0": 100, "2.0.0": 0 });
    for (let i = 0; i < 20; i++) {
      const content = `after-${i}`;
      const r = await call(base, "POST", "/api/v1/messages/send-and-wait?timeout_ms=10000", {
        performative: "request",
        receiver: "cut",
        content,
        conversation_id: `c-${i}`,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.reply.content, content, "the old (echo) version answers");
    }
    const agent = (await call(base, "GET", "/api/v1/agents/cut")).body;
    assert.equal(agent.version, "1.0.0");
  } finally {
    await second?.stop();
    await first.stop().catch(() => {});
  }
});
