// A 201 to a deploy means the agent is durable: deploys in flight (their records, audit
// records and first checkpoints sharing Deno KV commits) answered, then the node is killed at
// once (SIGKILL); restarted on its data directory it runs every agent that was answered 201,
// each answers a message, and the audit trail holds every deploy and still verifies.
import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";
import { callJson as call } from "../support/http.ts";
import { deployAgent, distBytes } from "../support/deployments.ts";

const AGENTS = 40;
const IN_FLIGHT = 8;

Deno.test("every agent answered 201 is there after a SIGKILL and a restart", async () => {
  const first = await spawnNode(["--rate-limit", "off"]);
  let second: Awaited<ReturnType<typeof spawnNode>> | undefined;
  try {
    const bytes = await distBytes("tiny.wasm");
    let next = 0;
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (next < AGENTS) await deployAgent(first.url, bytes, { name: `k${next++}` });
    }));
    await first.stop("SIGKILL", { keepData: true });

    second = await spawnNode(["--rate-limit", "off"], {}, { dataDir: first.dataDir });
    const base = second.url;
    for (let i = 0; i < AGENTS; i++) {
      const r = await call(base, "POST", "/api/v1/messages/send-and-wait?timeout_ms=10000", {
        performative: "request",
        receiver: `k${i}`,
        content: `after-${i}`,
        conversation_id: `c-${i}`,
      });
      assert.equal(r.status, 200, `k${i}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.reply.content, `after-${i}`);
    }
    const audit = await call(base, "GET", "/api/v1/audit?action=agent.deploy&limit=100");
    assert.equal(audit.status, 200, JSON.stringify(audit.body));
    const deployed = new Set(
      (audit.body.records as { target: string; outcome: string }[])
        .filter((r) => r.outcome === "ok").map((r) => r.target),
    );
    for (let i = 0; i < AGENTS; i++) assert.ok(deployed.has(`k${i}`), `audit of k${i}`);
    const verified = await call(base, "GET", "/api/v1/audit/verify");
    assert.equal(verified.body.ok, true, JSON.stringify(verified.body));
  } finally {
    await second?.stop();
    await first.stop().catch(() => {});
  }
});
