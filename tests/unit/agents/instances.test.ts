// The sandbox adapter: what an activation gets (storage from KV, memory from a snapshot of
// the same component only), where the last state comes from, and checkpoints it commits.
import assert from "node:assert/strict";
import { pollUntil } from "../../../runtime/async/mod.ts";
import { harness } from "./harness.ts";

const te = new TextEncoder();

Deno.test("instances: a checkpoint commits memory and storage; a restart resumes from it", async () => {
  const kv = await Deno.openKv(":memory:");
  const first = await harness({ kv });
  await first.deploy("c");
  for (let i = 0; i < 3; i++) await first.send("c", "put:k", { mode: "at-least-once" });
  // Acknowledged at least once: the checkpoint has it. Stop without a shutdown snapshot.
  await first.agents.close({ snapshotBudgetMs: 0 });
  const again = await harness({ kv });
  try {
    await again.agents.restore();
    const [c] = again.sandbox.live("c");
    assert.equal(c.count, 3, "memory from the checkpoint");
    assert.deepEqual(c.storage.get("k"), te.encode("3"), "storage from the same checkpoint");
    assert.equal(c.opts.snapshot?.instances[0].globals[0].value, 3);
  } finally {
    await again.close();
  }
});

Deno.test("instances: a snapshot of another component is not used; the agent starts fresh", async () => {
  const h = await harness();
  try {
    await h.deploy("c");
    await h.send("c", "tick", { mode: "at-least-once" });
    await h.agents.update("c", { bytes: te.encode("c v2") });
    const [c] = h.sandbox.live("c");
    assert.equal(c.opts.snapshot, undefined);
    assert.equal(c.count, 0);
  } finally {
    await h.close();
  }
});

Deno.test("instances: at-most-once changes are checkpointed within the interval", async () => {
  const kv = await Deno.openKv(":memory:");
  const h = await harness({ kv });
  try {
    await h.deploy("c");
    await h.send("c", "put:x", { await_handled: true });
    await pollUntil("a checkpoint with x", async () => {
      const keys = [];
      for await (const e of kv.list({ prefix: [] })) keys.push(JSON.stringify(e.key));
      return keys.some((k) => k.includes('"x"')) ? true : undefined;
    }, { intervalMs: 5, timeoutMs: 5000 });
  } finally {
    await h.close();
  }
});
