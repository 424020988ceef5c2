import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";
import { base64Of as encodeBase64, callJson as call } from "../support/http.ts";

const DIST = new URL("../../agents/dist/", import.meta.url);

async function ask(base: string, receiver: string, content: string) {
  const r = await call(base, "POST", "/api/v1/messages/send-and-wait?timeout_ms=5000", {
    performative: "request",
    receiver,
    content,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.reply.content as string;
}

Deno.test("deployments: immediate deploy, rollback of a finished one restores component and config; bad input is refused naming the field", async () => {
  const node = await spawnNode();
  try {
    const kv = await Deno.readFile(new URL("tiny-kv.wasm", DIST));
    const form = new FormData();
    form.append("wasm", new Blob([kv]), "agent.wasm");
    form.append("config", JSON.stringify({ name: "dep", version: "1.0.0" }));
    const created = await fetch(`${node.url}/api/v1/agents`, { method: "POST", body: form });
    assert.equal(created.status, 201, await created.clone().text());
    const v1 = await created.json();
    assert.equal(await ask(node.url, "dep", "hello"), "hello");

    // Another build of the agent with another memory limit, as version 2.0.0.
    const other = new Uint8Array([...kv, 0, 4, 1, 0x76, 0x32, 0x32]);
    const d = await call(node.url, "POST", "/api/v1/deployments", {
      agent_id: "dep",
      wasm_module: encodeBase64(other),
      version: "2.0.0",
      config: { limits: { memory: "32MiB" } },
      strategy: { type: "immediate" },
    });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    assert.equal(d.body.status, "completed");
    assert.deepEqual(d.body.from_version, { seq: 1, version: "1.0.0" });
    assert.deepEqual(d.body.to_version, { seq: 2, version: "2.0.0" });
    assert.deepEqual(d.body.traffic, { "1.0.0": 0, "2.0.0": 100 });
    const id = d.body.deployment_id as string;
    const v2 = (await call(node.url, "GET", "/api/v1/agents/dep")).body;
    assert.notEqual(v2.hash, v1.hash);
    assert.equal(v2.version, "2.0.0");
    assert.notDeepEqual(v2.resource_limits, v1.resource_limits);
    // Storage carried over the update.
    assert.equal(await ask(node.url, "dep", "again"), "again");

    const got = await call(node.url, "GET", `/api/v1/deployments/${id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.status, "completed");
    const list = await call(node.url, "GET", "/api/v1/deployments?agent_id=dep");
    assert.deepEqual(list.body.deployments.map((x: { deployment_id: string }) => x.deployment_id), [
      id,
    ]);

    // Roll back the finished deployment: the previous component and config are back.
    const rb = await call(node.url, "POST", `/api/v1/deployments/${id}/rollback`);
    assert.equal(rb.status, 200, JSON.stringify(rb.body));
    assert.equal(rb.body.status, "rolled_back");
    assert.equal(rb.body.reason, "rollback requested");
    const back = (await call(node.url, "GET", "/api/v1/agents/dep")).body;
    assert.equal(back.hash, v1.hash);
    assert.equal(back.version, "1.0.0");
    assert.deepEqual(back.resource_limits, v1.resource_limits);
    assert.equal(back.status, "running");
    assert.equal(await ask(node.url, "dep", "after"), "after");
    const versions = (await call(node.url, "GET", "/api/v1/agents/dep/versions")).body.versions;
    assert.deepEqual(versions.map((v: { seq: number; version: string }) => [v.seq, v.version]), [
      [1, "1.0.0"],
      [2, "2.0.0"],
      [3, "1.0.0"],
    ]);

    // Nothing more to roll back to.
    const again = await call(node.url, "POST", `/api/v1/deployments/${id}/rollback`);
    assert.equal(again.status, 409, JSON.stringify(again.body));
    assert.equal(again.body.error.code, "CONFLICT");
    assert.match(again.body.error.message, /already rolled back/);
    assert.equal(again.body.error.details.field, "status");

    // A stored version can be deployed again by its label.
    const redeploy = await call(node.url, "POST", "/api/v1/deployments", {
      agent_id: "dep",
      version: "2.0.0",
      strategy: "immediate",
    });
    assert.equal(redeploy.status, 201, JSON.stringify(redeploy.body));
    assert.equal((await call(node.url, "GET", "/api/v1/agents/dep")).body.hash, v2.hash);

    // Bad input: each a 400/409 in the error shape naming the field.
    const bad = async (body: Record<string, unknown>, status: number, field: RegExp) => {
      const r = await call(node.url, "POST", "/api/v1/deployments", {
        agent_id: "dep",
        wasm_module: encodeBase64(other),
        ...body,
      });
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.match(
        `${r.body.error.message} ${JSON.stringify(r.body.error.details)}`,
        field,
        JSON.stringify(r.body),
      );
    };
    await bad({ strategy: { type: "bogus" } }, 400, /strategy\.type/);
    await bad(
      {
        strategy: { type: "canary", stages: [{ percentage: 10, duration: "1s" }] },
      },
      400,
      /strategy\.stages\.0\.percentage.*last stage must be at 100/,
    );
    await bad(
      {
        strategy: {
          type: "canary",
          stages: [{ percentage: 120, duration: "1s" }, { percentage: 100, duration: "0" }],
        },
      },
      400,
      /strategy\.stages\.0\.percentage: percentage must be 0 to 100/,
    );
    await bad({ strategy: "immediate", wasm_module: undefined }, 400, /wasm_module/);
    await bad({ strategy: "immediate", wasm_module: undefined, version: "9.9" }, 400, /'9\.9'/);
    const missing = await call(node.url, "POST", "/api/v1/deployments/deploy_nope/rollback");
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "NOT_FOUND");
  } finally {
    await node.stop();
  }
});
