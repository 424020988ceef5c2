import assert from "node:assert/strict";
import { pollUntil } from "../../runtime/async/mod.ts";

Deno.test("pollUntil resolves with the first defined value and names what timed out", async () => {
  let n = 0;
  assert.equal(await pollUntil("three", () => (++n >= 3 ? n : undefined), { intervalMs: 1 }), 3);
  await assert.rejects(
    pollUntil("never", () => {
      throw new Error("boom");
    }, { timeoutMs: 20, intervalMs: 5 }),
    /timed out waiting for never: Error: boom/,
  );
  await assert.rejects(pollUntil("x", () => 1, { timeoutMs: 0 }), /timeoutMs must be > 0, got 0/);
});
