// The client's retries against a real node: a 429 from the rate limiter and a 503 from a
// stopped agent are retried after the node's Retry-After; without retries the ApiError
// carries the code and the wait the node asked for.
import assert from "node:assert/strict";
import { watAgentBytes } from "../../../agents/build/mod.ts";
import { abortableSleep, FipaEdgeClient, type RetryInfo } from "../../../client/mod.ts";
import { refusal } from "./refusal.ts";
import { pollUntil } from "../../../runtime/async/mod.ts";
import { spawnNode } from "../../support/node-process.ts";

Deno.test("client retries 429 and 503 after the node's Retry-After", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "fipa-edge-client-retry-" });
  const config = `${dir}/config.json`;
  // Read routes (cluster status and the like): one request per 2 s, no burst.
  await Deno.writeTextFile(
    config,
    JSON.stringify({ rateLimits: { reads: { limit: 1, windowSeconds: 2, burst: 1 } } }),
  );
  const node = await spawnNode(["--config", config]);
  try {
    await t.step("429 RATE_LIMITED: thrown with retryAfterMs when retries are off", async () => {
      const once = new FipaEdgeClient({ url: node.url, retry: { maxRetries: 0 } });
      await once.cluster();
      const e = await refusal(once.cluster());
      assert.deepEqual([e.status, e.code], [429, "RATE_LIMITED"]);
      assert.equal(e.details.endpoint_class, "reads");
      assert.ok(e.retryAfterMs === 1000 || e.retryAfterMs === 2000, `${e.retryAfterMs}`);
    });

    await t.step("429 RATE_LIMITED: retried after Retry-After, then answered", async () => {
      const retries: RetryInfo[] = [];
      const slept: number[] = [];
      const client = new FipaEdgeClient({
        url: node.url,
        onRetry: (r) => retries.push(r),
        sleep: (ms, signal) => {
          slept.push(ms);
          return abortableSleep(ms, signal);
        },
      });
      // Two in a row: whatever the bucket held, the second finds it empty (1 per 2 s).
      assert.equal((await client.cluster()).self.id, "node1");
      assert.equal((await client.cluster()).self.id, "node1");
      assert.ok(retries.length >= 1, "a 429 was retried");
      for (const r of retries) {
        assert.equal(r.error.code, "RATE_LIMITED");
        assert.equal(r.delayMs, r.error.retryAfterMs, "the wait is the node's Retry-After");
        assert.ok(r.delayMs >= 1000);
      }
      assert.deepEqual(slept, retries.map((r) => r.delayMs));
    });

    await t.step(
      "503 AGENT_UNAVAILABLE: retried after Retry-After once the agent runs",
      async () => {
        const admin = new FipaEdgeClient(node.url);
        await admin.deploy(await watAgentBytes("tiny"), { name: "sleepy" });
        await admin.stop("sleepy", { grace_period_seconds: 1 });
        const msg = { performative: "inform", receiver: "sleepy", content: "wake" } as const;

        const once = new FipaEdgeClient({ url: node.url, retry: { maxRetries: 0 } });
        const e = await refusal(once.send(msg));
        assert.deepEqual([e.status, e.code, e.retryAfterMs], [503, "AGENT_UNAVAILABLE", 1000]);
        assert.equal(e.details.state, "stopped");

        const retries: RetryInfo[] = [];
        const client = new FipaEdgeClient({
          url: node.url,
          onRetry: (r) => retries.push(r),
          // While the client waits, the agent is started again: the retry finds it running.
          sleep: async () => void await admin.start("sleepy"),
        });
        // Two receivers: the first may have the message when the second refuses it, so an
        // at-most-once send is not sent again.
        await admin.deploy(await watAgentBytes("tiny"), { name: "awake" });
        const two = await refusal(client.send({ ...msg, receiver: ["awake", "sleepy"] }));
        assert.equal(two.code, "AGENT_UNAVAILABLE");
        assert.equal(retries.length, 0, "not retried");
        // The first receiver had it: a retry would have given it a second copy.
        const handled = await pollUntil("awake to handle the message", async () => {
          const n = (await admin.agent("awake")).metrics.messages_processed;
          return n > 0 ? n : undefined;
        }, { timeoutMs: 10_000 });
        assert.equal(handled, 1);

        const sent = await client.send(msg);
        assert.equal(sent.status, "delivered");
        assert.deepEqual(retries.map((r) => [r.retry, r.delayMs, r.error.code]), [
          [1, 1000, "AGENT_UNAVAILABLE"],
        ]);
      },
    );
  } finally {
    await node.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
