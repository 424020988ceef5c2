import assert from "node:assert/strict";
import { componentsInUse } from "../../../runtime/node/components-in-use.ts";
import { apply, createDirectoryState } from "../../../runtime/directory/mod.ts";
import type { SnapshotKeeper } from "../../../runtime/migration/mod.ts";

const H = (d: string) => "sha256:" + d.repeat(64);
const at = "2026-01-01T00:00:00.000Z";

Deno.test("components in use include every version the directory keeps", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const state = createDirectoryState();
    apply(state, {
      type: "agent.register",
      name: "a",
      node: "n",
      state: "running",
      manifest: { capabilities: [], limits: {} },
      component_hash: H("1"),
      at,
    });
    for (const h of [H("1"), H("2"), H("3")]) {
      const r = apply(state, {
        type: "agent.record-version",
        name: "a",
        node: "n",
        component_hash: h,
        manifest: { capabilities: [], limits: {} },
        config: {},
        deployment_id: "d",
        at,
      });
      assert.ok(r.ok);
    }
    const keeper = { componentHashes: () => Promise.resolve(new Set<string>()) };
    const used = await componentsInUse({
      kv,
      keeper: keeper as unknown as SnapshotKeeper,
      directory: () => state,
    });
    // The agent runs H("3"); the two before it are kept for a rollback.
    assert.deepEqual([...used].sort(), [H("1"), H("2"), H("3")]);
  } finally {
    kv.close();
  }
});
