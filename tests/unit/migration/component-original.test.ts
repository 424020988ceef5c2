// The component store keeps each component's original bytes next to its cache entry, so a
// node can send a component to a node that lacks it.
import assert from "node:assert/strict";
import { ComponentStore } from "../../../runtime/sandbox/mod.ts";

Deno.test("a loaded component's original bytes can be read back by hash", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fe-orig-" });
  const bytes = await Deno.readFile(
    new URL("../../../agents/dist/tiny-counter.wasm", import.meta.url),
  );
  const store = new ComponentStore({ dir });
  try {
    const { hash } = await store.load(bytes);
    assert.deepEqual(await store.original(hash), bytes);
    assert.equal(await store.original("00".repeat(32)), undefined);
    assert.equal(await store.original("../etc/passwd"), undefined);
    // A cache entry without them (an older version wrote it) gets them on the next load.
    await Deno.remove(`${dir}/${hash}/component.wasm`);
    const again = new ComponentStore({ dir });
    try {
      assert.equal(await again.original(hash), undefined);
      assert.equal((await again.load(bytes)).transpiled, false);
      assert.deepEqual(await again.original(hash), bytes);
    } finally {
      again.close();
    }
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
