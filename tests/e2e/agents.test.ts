import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";

const DIST = new URL("../../agents/dist/", import.meta.url);

async function deploy(base: string, file: string, config: Record<string, unknown>) {
  const form = new FormData();
  form.append("wasm", new Blob([await Deno.readFile(new URL(file, DIST))]), file);
  form.append("config", JSON.stringify(config));
  return await fetch(`${base}/api/v1/agents`, { method: "POST", body: form });
}

async function ask(
  base: string,
  receiver: string,
  content: unknown,
  extra: Record<string, unknown> = {},
) {
  const res = await fetch(`${base}/api/v1/messages/send-and-wait?timeout_ms=10000`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ performative: "request", receiver, content, ...extra }),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("deploy, message, reply, stop, start, delete over real HTTP", async () => {
  const node = await spawnNode(["--name", "edge-a"]);
  try {
    const res = await deploy(node.url, "tiny.wasm", { name: "echo" });
    const view = await res.json();
    assert.equal(res.status, 201, JSON.stringify(view));
    assert.equal(view.name, "echo");
    assert.equal(view.status, "running");
    assert.match(view.agent_id, /^agent_[0-9a-f]{24}$/);
    assert.equal(view.full_name, "echo@edge-a");

    const dup = await deploy(node.url, "tiny.wasm", { name: "echo" });
    assert.equal(dup.status, 409);
    assert.equal((await dup.json()).error.code, "AGENT_ALREADY_EXISTS");

    const r = await ask(node.url, "echo@edge-a", "ping 1");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.reply.performative, "inform");
    assert.equal(r.body.reply.content, "ping 1");
    assert.equal(r.body.reply.sender, "echo@edge-a");

    const list = await (await fetch(`${node.url}/api/v1/agents?status=running`)).json();
    assert.equal(list.total, 1);
    const got = await (await fetch(`${node.url}/api/v1/agents/${view.agent_id}`)).json();
    assert.equal(got.metrics.messages_processed, 1);

    const stopped = await fetch(`${node.url}/api/v1/agents/echo/stop`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grace_period_seconds: 1 }),
    });
    assert.equal((await stopped.json()).status, "stopped");
    const toStopped = await fetch(`${node.url}/api/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ performative: "request", receiver: "echo", content: "x" }),
    });
    assert.equal(toStopped.status, 503);
    assert.match((await toStopped.json()).error.message, /stopped/);

    const started = await fetch(`${node.url}/api/v1/agents/echo/start`, { method: "POST" });
    assert.equal((await started.json()).status, "running");
    assert.equal((await ask(node.url, "echo", "again")).body.reply.content, "again");

    const del = await fetch(`${node.url}/api/v1/agents/echo`, { method: "DELETE" });
    assert.equal((await del.json()).status, "removed");
    const gone = await fetch(`${node.url}/api/v1/agents/echo`);
    assert.equal(gone.status, 404);
    await gone.body?.cancel();
  } finally {
    await node.stop();
  }
});

Deno.test("invalid components answer 400 INVALID_WASM with the reason", async () => {
  const node = await spawnNode();
  try {
    for (
      const [bytes, reason] of [
        [new Uint8Array([1, 2, 3, 4]), /not WebAssembly|magic/i],
        [new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]), /core WebAssembly module/i],
      ] as const
    ) {
      const form = new FormData();
      form.append("wasm", new Blob([bytes]), "x.wasm");
      form.append("config", JSON.stringify({ name: "bad" }));
      const res = await fetch(`${node.url}/api/v1/agents`, { method: "POST", body: form });
      const e = (await res.json()).error;
      assert.equal(res.status, 400);
      assert.equal(e.code, "INVALID_WASM");
      assert.match(e.message, reason);
    }
    const res = await deploy(node.url, "tiny.wasm", { name: "no@at" });
    assert.equal(res.status, 400);
    assert.deepEqual((await res.json()).error.details.path, ["config", "name"]);
  } finally {
    await node.stop();
  }
});

Deno.test("the counter keeps its count in memory; a restarted node brings agents back", async () => {
  const node = await spawnNode(["--name", "edge-b"]);
  let dataDir = node.dataDir;
  try {
    assert.equal((await deploy(node.url, "tiny-counter.wasm", { name: "counter" })).status, 201);
    for (let i = 1; i <= 3; i++) {
      const r = await ask(node.url, "counter", "tick");
      const c = r.body.reply.content;
      assert.deepEqual(typeof c === "string" ? JSON.parse(c) : c, { count: i });
    }
  } finally {
    dataDir = node.dataDir;
    await node.stop("SIGTERM", { keepData: true });
  }
  const again = await spawnNode(["--name", "edge-b"], {}, { dataDir });
  try {
    const v = await (await fetch(`${again.url}/api/v1/agents/counter`)).json();
    assert.equal(v.status, "running");
    const r = await ask(again.url, "counter", "tick");
    assert.equal(r.status, 200, JSON.stringify(r.body));
  } finally {
    await again.stop();
  }
});
