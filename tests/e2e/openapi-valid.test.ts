// The OpenAPI document of a full node (every route mounted) is valid OpenAPI 3.1 by a
// maintained validator (@readme/openapi-parser), so renderers such as /docs read it whole.
import assert from "node:assert/strict";
import { validate } from "@readme/openapi-parser";
import { spawnNode } from "../support/node-process.ts";

Deno.test("/openapi.json of a running node validates as OpenAPI 3.1, every operation summarised", async () => {
  const node = await spawnNode(["--name", "oas-node"]);
  try {
    const doc = await (await fetch(`${node.url}/openapi.json`)).json();
    const result = await validate(structuredClone(doc));
    assert.equal(result.valid, true, JSON.stringify(result));
    assert.deepEqual(result.warnings, []);
    const ops = Object.entries(doc.paths as Record<string, Record<string, { summary?: string }>>)
      .flatMap(([path, methods]) => Object.entries(methods).map(([m, op]) => ({ path, m, op })));
    assert.ok(ops.length > 30, `${ops.length} operations`);
    for (const { path, m, op } of ops) assert.ok(op.summary, `${m} ${path} has a summary`);
  } finally {
    await node.stop();
  }
});
