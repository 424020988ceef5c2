import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";

Deno.test("a one-node cluster cannot leave: 409 naming the last voter; its role shows as voter", async () => {
  const node = await spawnNode(["--name", "solo"]);
  try {
    const view = await (await fetch(`${node.url}/api/v1/cluster`)).json();
    assert.equal(view.self.member, "voter");
    assert.equal(view.voter_target, 5);
    assert.deepEqual(view.members.map((m: { role: string }) => m.role), ["voter"]);
    const res = await fetch(`${node.url}/api/v1/cluster/leave`, { method: "POST" });
    assert.equal(res.status, 409);
    const body = await res.json();
    assert.equal(body.error.code, "CONFLICT");
    assert.match(body.error.message, /'solo' is the last voter/);
    const doc = await (await fetch(`${node.url}/openapi.json`)).json();
    assert.ok(doc.paths["/api/v1/cluster/leave"]?.post, "documented in /openapi.json");
  } finally {
    await node.stop();
  }
});
