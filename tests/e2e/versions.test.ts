import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";

const DIST = new URL("../../agents/dist/", import.meta.url);
const TOKEN = "versions-deployer-token-0123456789";

function form(file: Uint8Array<ArrayBuffer> | undefined, config?: Record<string, unknown>) {
  const f = new FormData();
  if (file) f.append("wasm", new Blob([file]), "agent.wasm");
  if (config) f.append("config", JSON.stringify(config));
  return f;
}

Deno.test("every deploy and update of a name is a version, with its component, config and deployer", async () => {
  const node = await spawnNode(["--api-token", `deployer=${TOKEN}`, "--read-token", TOKEN + "r"]);
  const auth = { authorization: `Bearer ${TOKEN}` };
  try {
    const kv = await Deno.readFile(new URL("tiny-kv.wasm", DIST));
    const r1 = await fetch(`${node.url}/api/v1/agents`, {
      method: "POST",
      headers: auth,
      body: form(kv, { name: "ver", version: "1.0.0" }),
    });
    assert.equal(r1.status, 201, await r1.clone().text());
    const v1 = await r1.json();
    // Another build of the same agent, no version given: an automatic one.
    const other = new Uint8Array([...kv, 0, 4, 1, 0x76, 0x32, 0x32]);
    const r2 = await fetch(`${node.url}/api/v1/agents/ver`, {
      method: "PUT",
      headers: auth,
      body: form(other),
    });
    assert.equal(r2.status, 200, await r2.clone().text());
    const v2 = await r2.json();
    assert.equal(v2.version, "v2");
    assert.notEqual(v2.hash, v1.hash);
    // A config change alone is a version too.
    const r3 = await fetch(`${node.url}/api/v1/agents/ver`, {
      method: "PUT",
      headers: auth,
      body: form(undefined, { version: "3.0.0", limits: { memory: "32MiB" } }),
    });
    assert.equal(r3.status, 200, await r3.clone().text());
    await r3.body?.cancel();

    const res = await fetch(`${node.url}/api/v1/agents/ver/versions`, { headers: auth });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.name, "ver");
    assert.deepEqual(
      body.versions.map((v: { seq: number; version: string; component_hash: string }) => [
        v.seq,
        v.version,
        v.component_hash,
      ]),
      [[1, "1.0.0", v1.hash], [2, "v2", v2.hash], [3, "3.0.0", v2.hash]],
    );
    const [a, , c] = body.versions;
    assert.equal(c.config.limits.memory, 32 * 1024 * 1024);
    assert.notEqual(a.config.limits.memory, c.config.limits.memory);
    assert.equal(c.manifest.limits.memory_bytes, 32 * 1024 * 1024);
    assert.match(a.deployed_by, /^token-/, "who deployed it: the token's subject");
    assert.equal(a.node, c.node);
    assert.ok(a.deployment_id !== c.deployment_id);

    // The directory's agent record follows the latest version.
    const dir = await (await fetch(`${node.url}/api/v1/directory/agents`, { headers: auth }))
      .json();
    const rec = (dir.agents as { name: string; component_hash: string }[])
      .find((x) => x.name.startsWith("ver"));
    assert.equal(rec?.component_hash, v2.hash);

    const none = await fetch(`${node.url}/api/v1/agents/ghost/versions`, { headers: auth });
    assert.equal(none.status, 404);
    const err = await none.json();
    assert.equal(err.error.code, "AGENT_NOT_FOUND");
    assert.match(err.error.message, /'ghost'/);

    // Removing the agent drops its versions.
    const del = await fetch(`${node.url}/api/v1/agents/ver`, { method: "DELETE", headers: auth });
    assert.equal(del.status, 200);
    await del.body?.cancel();
    const gone = await fetch(`${node.url}/api/v1/agents/ver/versions`, { headers: auth });
    assert.equal(gone.status, 404);
    await gone.body?.cancel();
  } finally {
    await node.stop();
  }
});
