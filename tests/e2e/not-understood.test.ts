import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";

const DIST = new URL("../../agents/dist/", import.meta.url);

Deno.test("a query-ref to the echo sample is answered not-understood over real HTTP", async () => {
  const node = await spawnNode(["--name", "edge-nu"]);
  try {
    const form = new FormData();
    form.append("wasm", new Blob([await Deno.readFile(new URL("echo.wasm", DIST))]), "echo.wasm");
    form.append("config", JSON.stringify({ name: "echo" }));
    const dep = await fetch(`${node.url}/api/v1/agents`, { method: "POST", body: form });
    assert.equal(dep.status, 201, await dep.text());

    const res = await fetch(`${node.url}/api/v1/messages/send-and-wait?timeout_ms=10000`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        performative: "query-ref",
        receiver: "echo",
        content: "(iota ?x (price ?x))",
        protocol: "fipa-query",
        conversation_id: "nu-1",
      }),
    });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    const reply = body.reply;
    assert.equal(reply.performative, "not-understood");
    assert.equal(reply.sender, "echo@edge-nu");
    assert.equal(reply.conversation_id, "nu-1");
    assert.equal(reply.protocol, "fipa-query");
    assert.match(reply.content, /\(unsupported-act query-ref\)/);
    assert.match(reply.content, /price/);

    // A request is still answered as before.
    const ok = await fetch(`${node.url}/api/v1/messages/send-and-wait?timeout_ms=10000`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ performative: "request", receiver: "echo", content: "hi" }),
    });
    assert.equal((await ok.json()).reply.performative, "inform");
  } finally {
    await node.stop();
  }
});
