import assert from "node:assert/strict";
import { pollUntil } from "../../../runtime/async/mod.ts";
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

/** A WebSocket client on a bare TCP connection, so that it can write without ever reading. */
async function rawWebSocket(base: string): Promise<Deno.TcpConn> {
  const [hostname, port] = base.split(":");
  const conn = await Deno.connect({ hostname, port: Number(port) });
  await conn.write(new TextEncoder().encode(
    `GET /ws HTTP/1.1\r\nHost: ${base}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  ));
  // Read the 101 answer byte by byte, so that no frame after it is consumed.
  let head = "";
  const one = new Uint8Array(1);
  while (!head.endsWith("\r\n\r\n")) {
    if ((await conn.read(one)) === null) throw new Error(`closed during handshake: ${head}`);
    head += String.fromCharCode(one[0]);
  }
  assert.match(head, /^HTTP\/1\.1 101/);
  return conn;
}

/** `count` masked text frames carrying `text` (under 126 bytes). */
function textFrames(text: string, count: number): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const frame = new Uint8Array(6 + payload.length);
  frame[0] = 0x81;
  frame[1] = 0x80 | payload.length;
  const mask = [1, 2, 3, 4];
  frame.set(mask, 2);
  payload.forEach((b, i) => (frame[6 + i] = b ^ mask[i % 4]));
  const out = new Uint8Array(frame.length * count);
  for (let i = 0; i < count; i++) out.set(frame, i * frame.length);
  return out;
}

/**
 * Reads server frames until a close frame (its code), `max` text frames, or the end of the
 * connection (`reset` when the server reset it).
 */
async function readFrames(conn: Deno.TcpConn, max: number) {
  let buf = new Uint8Array(0);
  let texts = 0;
  const chunk = new Uint8Array(1 << 16);
  for (;;) {
    let at = 0;
    while (buf.length - at >= 2) {
      let len = buf[at + 1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length - at < 4) break;
        len = (buf[at + 2] << 8) | buf[at + 3];
        off = 4;
      } else if (len === 127) throw new Error("unexpectedly large frame");
      if (buf.length - at < off + len) break;
      const opcode = buf[at] & 0x0f;
      if (opcode === 0x8) {
        return { texts, close: (buf[at + off] << 8) | buf[at + off + 1], reset: false };
      }
      if (opcode === 0x1 && ++texts >= max) return { texts, close: undefined, reset: false };
      at += off + len;
    }
    buf = buf.slice(at);
    let n: number | null;
    try {
      n = await conn.read(chunk);
    } catch (e) {
      if (e instanceof Deno.errors.ConnectionReset) return { texts, close: undefined, reset: true };
      throw e;
    }
    if (n === null) return { texts, close: undefined, reset: false };
    const next = new Uint8Array(buf.length + n);
    next.set(buf);
    next.set(chunk.subarray(0, n), buf.length);
    buf = next;
  }
}

Deno.test("a client that sends invalid frames and never reads is closed at the buffer bound", async () => {
  const s = serve();
  const conn = await rawWebSocket(s.base);
  try {
    // Each invalid frame earns an error reply of about 100 bytes: unbounded, 300,000 of them
    // would queue some 30 MB for a client that reads nothing.
    const frames = 300_000;
    await conn.write(textFrames("x", frames));
    // Read nothing until the node has decided (its counter, over another connection): the
    // kernel's buffers take the writes, and a client reading right after them could keep up.
    await pollUntil("the node closing the socket", async () => {
      const text = await (await fetch(`http://${s.base}/metrics`)).text();
      return /fipa_edge_ws_slow_clients_closed_total\{[^}]*\} 1/.test(text) ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    const got = await readFrames(conn, frames);
    // The node closes it (1013), or drops the connection with the client's frames unread.
    assert.ok(got.close === 1013 || got.reset, `ended after ${got.texts} replies: ${got.close}`);
    assert.ok(got.texts < frames / 2, `${got.texts} replies were queued`);
  } finally {
    conn.close();
    await s.close();
  }
});
