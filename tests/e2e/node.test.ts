import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";

Deno.test("main.ts serves the API over real HTTP and shuts down cleanly", async () => {
  const node = await spawnNode(["--name", "edge-a", "--log-level", "debug"]);
  try {
    const health = await fetch(`${node.url}/health`);
    assert.equal(health.status, 200);
    const h = await health.json();
    assert.equal(h.node, "edge-a");
    assert.equal(h.checks.kv, "ok");

    const sent = await fetch(`${node.url}/api/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ performative: "request", receiver: "nobody", content: "x" }),
    });
    assert.equal(sent.status, 404);
    assert.equal((await sent.json()).error.code, "AGENT_NOT_FOUND");

    const v = await fetch(`${node.url}/api/v1/messages/validate`, {
      method: "POST",
      headers: { "content-type": "text/fipa-acl; charset=utf-8" },
      body: '(request :receiver (set (agent-identifier :name b@edge-a)) :content "do it")',
    });
    assert.equal(v.status, 200);
    assert.equal((await v.json()).message.content, "do it");

    const bad = await fetch(`${node.url}/api/v1/messages`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: "a,b",
    });
    assert.equal(bad.status, 415);
    await bad.body?.cancel();

    const doc = await fetch(`${node.url}/openapi.json`);
    assert.equal((await doc.json()).info.title, "fipa-edge");

    const kvFile = await Deno.stat(`${node.dataDir}/node.kv`);
    assert.ok(kvFile.isFile);
  } finally {
    const status = await node.stop("SIGTERM");
    assert.equal(status.code, 0, node.logs());
  }
});

Deno.test("main.ts --help lists the flags and their variables", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../main.ts", import.meta.url).pathname, "--help"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0);
  const text = new TextDecoder().decode(out.stdout);
  for (
    const s of [
      "--port",
      "FIPA_EDGE_PORT",
      "--data-dir",
      "FIPA_EDGE_DATA_DIR",
      "--name",
      "--log-level",
    ]
  ) {
    assert.ok(text.includes(s), `help mentions ${s}`);
  }
});

Deno.test("main.ts refuses a bad flag value, naming it", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../main.ts", import.meta.url).pathname, "--port", "99999"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  assert.match(new TextDecoder().decode(out.stderr), /--port: "99999"/);
});
