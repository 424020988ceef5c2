import assert from "node:assert/strict";
import { ComponentStore } from "../../../runtime/sandbox/mod.ts";

Deno.test("two stores on one directory transpiling the same component at once both succeed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fe-cache-race-" });
  const bytes = await Deno.readFile(new URL("../../../agents/dist/tiny.wasm", import.meta.url));
  const stores = [
    new ComponentStore({ dir }),
    new ComponentStore({ dir }),
    new ComponentStore({ dir }),
  ];
  try {
    const results = await Promise.all(stores.map((s) => s.load(bytes)));
    assert.equal(new Set(results.map((r) => r.hash)).size, 1);
    const entries = [];
    for await (const e of Deno.readDir(dir)) entries.push(e.name);
    assert.deepEqual(entries, [results[0].hash], "one entry, no temp directories left");
    // A fresh store reads the published entry back without transpiling.
    const again = new ComponentStore({ dir });
    stores.push(again);
    assert.equal((await again.load(bytes)).transpiled, false);
  } finally {
    for (const s of stores) s.close();
    await Deno.remove(dir, { recursive: true });
  }
});
