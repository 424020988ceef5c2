// The message history of a conversation from any node of a cluster: a node that routed
// none of it asks the node that holds it (and pages there with node-qualified cursors);
// when the agent moves, its conversation's messages move with it.
import assert from "node:assert/strict";
import { deploy, startCluster, stopAll } from "./helpers.ts";

async function get(url: string) {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

Deno.test("GET /api/v1/messages?conversation_id= answers from any node, and follows a move", async () => {
  const [a, b, c] = await startCluster(["ha", "hb", "hc"], { seed: ["tiny.wasm"] });
  try {
    await deploy(b, "tiny.wasm", { name: "echo" });
    // Sent on hb, where echo lives: ha and hc route nothing of it.
    const res = await fetch(`${b.n.url}/api/v1/messages/send-and-wait?timeout_ms=10000`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        performative: "request",
        receiver: "echo",
        content: "kept on hb",
        protocol: "fipa-request",
        conversation_id: "conv-h",
      }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    await res.body?.cancel();

    const local = a.n.conversations.messages({ conversation_id: "conv-h", limit: 10 });
    assert.equal(local.total, 0, "ha routed nothing of it");
    const p1 = await get(`${a.n.url}/api/v1/messages?conversation_id=conv-h&limit=1`);
    assert.equal(p1.status, 200, JSON.stringify(p1.body));
    assert.equal(p1.body.node, "hb");
    assert.equal(p1.body.total, 2);
    assert.equal(p1.body.messages[0].performative, "request");
    assert.match(p1.body.next_cursor, /^c[0-9a-z]+@hb$/);
    const p2 = await get(
      `${a.n.url}/api/v1/messages?conversation_id=conv-h&limit=1&cursor=${p1.body.next_cursor}`,
    );
    assert.equal(p2.body.node, "hb");
    assert.equal(p2.body.messages[0].performative, "inform");
    assert.equal(p2.body.next_cursor, undefined);

    const none = await get(`${a.n.url}/api/v1/messages?conversation_id=nobody-has-it`);
    assert.deepEqual(none.body, { messages: [], total: 0 });
    const bad = await get(`${a.n.url}/api/v1/messages?conversation_id=conv-h&cursor=c1@nowhere`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, "INVALID_REQUEST");
    assert.match(bad.body.error.message, /nowhere/);

    // The agent moves to hc: its conversation's messages go with it.
    const report = await b.n.migration.migrate("echo", "hc");
    assert.equal(report.to, "hc");
    const moved = c.n.conversations.messages({ conversation_id: "conv-h", limit: 10 });
    assert.deepEqual(moved.entries.map((e) => e.message.performative), ["request", "inform"]);
    const onC = await get(`${c.n.url}/api/v1/messages?conversation_id=conv-h`);
    assert.equal(onC.body.node, undefined, "answered by hc itself");
    assert.equal(onC.body.total, 2);
  } finally {
    await stopAll([a, b, c]);
  }
});
