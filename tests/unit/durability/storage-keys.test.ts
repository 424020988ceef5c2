/**
 * The storage key limit (1,024 bytes of UTF-8, `sandbox/worker/agent.ts`): a key at the limit
 * is stored and read back after a restart; one byte over is refused up front with an error
 * value the agent gets back (naming the size and the limit), not a trap: the agent goes on.
 */
import assert from "node:assert/strict";
import { RealNode } from "./real-node.ts";

const LIMIT = 1024;
/** Stores are sent at least once: acknowledged (and answered) once a checkpoint has them. */
const ALO = "at-least-once";

Deno.test("storage keys: up to 1,024 bytes stored and kept across a restart; longer ones refused with an error value", async () => {
  const node = await RealNode.start();
  try {
    await node.deploy("tiny-keys", "keys");
    const ascii = "a".repeat(LIMIT);
    const wide = "é".repeat(LIMIT / 2); // 2 bytes each in UTF-8: at the limit too
    for (const key of [ascii, wide, "short"]) {
      assert.equal(
        await node.ask("keys", "request", key, ALO),
        "stored",
        `${key.length} characters`,
      );
    }
    for (
      const [key, bytes] of [["b".repeat(LIMIT + 1), LIMIT + 1], [
        "é".repeat(LIMIT / 2 + 1),
        LIMIT + 2,
      ]] as const
    ) {
      const answer = await node.ask("keys", "request", key, ALO);
      assert.equal(typeof answer, "string");
      assert.match(
        answer as string,
        new RegExp(`storage key of ${bytes} bytes .*limit of ${LIMIT} bytes`),
      );
      assert.equal(await node.ask("keys", "query-ref", key), "missing");
    }
    // A refusal is an answer, not a failure: the agent runs on and stores again.
    assert.equal(node.agents.get("keys").status, "running");
    assert.equal(await node.ask("keys", "request", "after", ALO), "stored");

    await node.restart();
    for (const key of [ascii, wide, "short", "after"]) {
      assert.equal(await node.ask("keys", "query-ref", key), "v", `${key.length} characters`);
    }
    assert.equal(await node.ask("keys", "query-ref", "b".repeat(LIMIT + 1)), "missing");
  } finally {
    await node.close();
  }
});
