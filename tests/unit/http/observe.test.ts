import assert from "node:assert/strict";
import { EventBus } from "../../../runtime/events/mod.ts";
import { createApp } from "../../../runtime/http/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { createNodeMetrics } from "../../../runtime/metrics/mod.ts";
import { MessageRouter } from "../../../runtime/routing/mod.ts";

function serve(tokens: string[] = []) {
  const events = new EventBus("node1");
  const metrics = createNodeMetrics("node1");
  const router = new MessageRouter("node1");
  router.register("echo", { deliver: () => {} });
  const app = createApp({
    node: "node1",
    router,
    log: silentLogger,
    maxBodyBytes: 1 << 16,
    events,
    metrics,
    adminTokens: tokens,
  });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
  const base = `127.0.0.1:${server.addr.port}`;
  return { events, metrics, app, base, close: () => server.shutdown() };
}

function nextMessage(ws: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    ws.addEventListener("message", (e) => resolve(JSON.parse(e.data)), { once: true });
    ws.addEventListener("error", () => reject(new Error("ws error")), { once: true });
  });
}

Deno.test("GET /metrics exposes HTTP counters by route pattern", async () => {
  const s = serve();
  try {
    const r = await fetch(`http://${s.base}/api/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ performative: "inform", receiver: "echo" }),
    });
    await r.body?.cancel();
    const text = await (await fetch(`http://${s.base}/metrics`)).text();
    assert.match(
      text,
      /fipa_edge_http_requests_total\{method="POST",route="\/api\/v1\/messages",status="200",node="node1"\} 1/,
    );
    assert.match(text, /fipa_edge_raft_term/);
  } finally {
    await s.close();
  }
});

Deno.test("the WebSocket streams events matching a subscription's filters", async () => {
  const s = serve();
  const ws = new WebSocket(`ws://${s.base}/ws`);
  try {
    await new Promise((r) => ws.addEventListener("open", r, { once: true }));
    ws.send(
      JSON.stringify({ type: "subscribe", events: ["agent.*"], filters: { agent_ids: ["echo"] } }),
    );
    const ack = await nextMessage(ws);
    assert.equal(ack.type, "subscribed");
    const got = nextMessage(ws);
    s.events.publish({ type: "message.sent", from: "echo" }); // wrong type
    s.events.publish({ type: "agent.deployed", agent_id: "other" }); // wrong agent
    s.events.publish({ type: "agent.deployed", agent_id: "echo@node1" });
    const e = await got;
    assert.equal(e.type, "agent.deployed");
    assert.equal(e.agent_id, "echo@node1");
    assert.equal(e.subscription_id, ack.subscription_id);
    ws.send("{not json");
    const err = await nextMessage(ws);
    assert.equal(err.type, "error");
    ws.send(JSON.stringify({ type: "unsubscribe", subscription_id: ack.subscription_id }));
    assert.equal((await nextMessage(ws)).type, "unsubscribed");
  } finally {
    const closed = new Promise((r) => ws.addEventListener("close", r, { once: true }));
    ws.close();
    await closed;
    await s.close();
  }
});

Deno.test("the WebSocket needs a token once tokens are configured (?token= works)", async () => {
  const token = "admin-token-0123456789";
  const s = serve([token]);
  try {
    const denied = await fetch(`http://${s.base}/ws`, { headers: { upgrade: "websocket" } });
    assert.equal(denied.status, 401);
    await denied.body?.cancel();
    const ws = new WebSocket(`ws://${s.base}/ws?token=${token}`);
    await new Promise((resolve, reject) => {
      ws.addEventListener("open", resolve, { once: true });
      ws.addEventListener("error", reject, { once: true });
    });
    const closed = new Promise((r) => ws.addEventListener("close", r, { once: true }));
    ws.close();
    await closed;
  } finally {
    await s.close();
  }
});

Deno.test("GET /api/v1/metrics/system counts messages and reports latency quantiles", async () => {
  const s = serve();
  try {
    s.metrics.messagesIn.inc({ performative: "inform", source: "http" }, 3);
    s.metrics.messageLatency.observe({ agent_kind: "wasm" }, 0.0004);
    s.metrics.messageLatency.observe({ agent_kind: "wasm" }, 0.02);
    const m = await (await fetch(`http://${s.base}/api/v1/metrics/system`)).json();
    assert.equal(m.messages.total_processed, 3);
    assert.equal(m.performance.message_latency_p50, 0.5);
    assert.equal(m.performance.message_latency_p99, 25);
    assert.ok(m.resources.memory_used_mb > 0);
  } finally {
    await s.close();
  }
});
