// POST /api/v1/messages/send-and-wait over a real HTTP server: the reply, TIMEOUT (504),
// CONFLICT (409), and query parameters validated from the route's schema.
import assert from "node:assert/strict";
import { type AclMessage, aid } from "../../../runtime/acl/mod.ts";
import { ConversationService } from "../../../runtime/conversations/mod.ts";
import { createApp } from "../../../runtime/http/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { MessageRouter } from "../../../runtime/routing/mod.ts";

/**
 * A node on a real port: `echo` answers every request with an inform; `silent` only records
 * what it gets (resolving `arrived`), so a test decides when (and whether) it answers.
 */
function serve() {
  const router = new MessageRouter("node1");
  let n = 0;
  const reply = (req: AclMessage, performative: AclMessage["performative"]) =>
    router.route({
      message_id: `msg_t${++n}`,
      message: {
        performative,
        sender: aid("silent@node1"),
        receivers: [req.sender!],
        in_reply_to: req.reply_with,
        conversation_id: req.conversation_id,
        content: "done",
      },
      accepted_at: new Date().toISOString(),
      origin: "agent",
    });
  router.register("echo", {
    deliver: (d) => queueMicrotask(() => void reply(d.message, "inform").catch(() => {})),
  });
  const silent: AclMessage[] = [];
  let arrived = Promise.withResolvers<void>();
  router.register("silent", {
    deliver: (d) => {
      silent.push(d.message);
      arrived.resolve();
    },
  });
  const conversations = new ConversationService({
    router,
    isAgent: () => false,
    timers: null,
  });
  const detach = conversations.attach();
  const app = createApp({
    node: "node1",
    router,
    log: silentLogger,
    maxBodyBytes: 65536,
    conversations,
  });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    router,
    silent,
    /** Resolves once `silent` got its next message. */
    nextArrival() {
      const p = arrived.promise;
      return p.then(() => void (arrived = Promise.withResolvers<void>()));
    },
    reply,
    url: (path: string) => `${base}${path}`,
    post: (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}${path}`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json", ...headers },
      }),
    [Symbol.asyncDispose]: async () => {
      detach();
      await server.shutdown();
    },
  };
}

async function errorOf(res: Response, status: number) {
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body));
  return body.error;
}

const WAIT = "/api/v1/messages/send-and-wait";

Deno.test("send-and-wait answers the reply with the request's ids", async () => {
  await using s = serve();
  const res = await s.post(WAIT, { performative: "request", receiver: "echo", content: "x" });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.reply.performative, "inform");
  assert.match(body.message_id, /^msg_/);
  assert.deepEqual(body.receivers, [{ receiver: "echo", status: "delivered" }]);
});

Deno.test("no reply within timeout_ms answers 504 TIMEOUT, and the caller's name is freed", async () => {
  await using s = serve();
  const res = await s.post(`${WAIT}?timeout_ms=30`, {
    performative: "request",
    sender: "cli",
    receiver: "silent",
    content: "x",
  });
  const e = await errorOf(res, 504);
  assert.equal(e.code, "TIMEOUT");
  assert.equal(e.details.timeout_ms, 30);
  assert.match(e.details.message_id, /^msg_/);
  assert.equal(s.silent.length, 1, "the request was delivered");
  assert.equal(s.router.hasLocal("cli"), false);
});

Deno.test("a reply_by sooner than timeout_ms ends the wait at reply_by", async () => {
  await using s = serve();
  const res = await s.post(`${WAIT}?timeout_ms=60000`, {
    performative: "request",
    receiver: "silent",
    content: "x",
    reply_by: new Date(Date.now() + 50).toISOString(),
  });
  const e = await errorOf(res, 504);
  assert.equal(e.code, "TIMEOUT");
  assert.ok(e.details.timeout_ms <= 50, `timeout_ms ${e.details.timeout_ms}`);
});

Deno.test("a sender that is an agent here or of another platform answers 409 CONFLICT", async () => {
  await using s = serve();
  const here = await errorOf(
    await s.post(WAIT, { performative: "request", sender: "echo", receiver: "silent" }),
    409,
  );
  assert.equal(here.code, "CONFLICT");
  assert.equal(here.details.sender, "echo");
  const there = await errorOf(
    await s.post(WAIT, { performative: "request", sender: "x@elsewhere", receiver: "silent" }),
    409,
  );
  assert.equal(there.code, "CONFLICT");
  assert.equal(there.details.sender, "x@elsewhere");
  assert.equal(s.silent.length, 0, "nothing was sent");
});

Deno.test("a second wait of the same sender in the same conversation answers 409 CONFLICT", async () => {
  await using s = serve();
  const msg = { performative: "request", sender: "cli", receiver: "silent", conversation_id: "k1" };
  const arrival = s.nextArrival();
  const first = s.post(`${WAIT}?timeout_ms=20000`, { ...msg, reply_with: "r1" });
  await arrival;
  const e = await errorOf(await s.post(WAIT, { ...msg, reply_with: "r2" }), 409);
  assert.equal(e.code, "CONFLICT");
  assert.equal(e.details.conversation_id, "k1");
  assert.equal(s.silent.length, 1, "the second request was not sent");
  // The first one still gets its reply.
  await s.reply(s.silent[0], "inform");
  const body = await (await first).json();
  assert.equal(body.reply.in_reply_to, "r1");
});

Deno.test("bad query parameters answer 400 INVALID_REQUEST naming the parameter and value", async () => {
  await using s = serve();
  const msg = { performative: "request", receiver: "echo", content: "x" };
  for (
    const [query, parameter, value] of [
      ["timeout_ms=abc", "timeout_ms", "abc"],
      ["timeout_ms=0", "timeout_ms", "0"],
      ["wait_for=later", "wait_for", "later"],
    ]
  ) {
    const e = await errorOf(await s.post(`${WAIT}?${query}`, msg), 400);
    assert.equal(e.code, "INVALID_REQUEST");
    assert.equal(e.details.in, "query");
    assert.equal(e.details.parameter, parameter);
    assert.equal(e.details.value, value);
    assert.match(e.message, new RegExp(`query parameter '${parameter}' = '${value}'`));
  }
  const d = await errorOf(await s.post("/api/v1/messages?delivery=maybe", msg), 400);
  assert.equal(d.details.parameter, "delivery");
  assert.equal(d.details.value, "maybe");
  const h = await errorOf(await s.post("/api/v1/messages", msg, { "x-delivery": "maybe" }), 400);
  assert.equal(h.code, "INVALID_REQUEST");
  assert.equal(h.details.header, "X-Delivery");
  const g = await errorOf(await fetch(s.url("/api/v1/messages?limit=5000&order=up")), 400);
  assert.equal(g.details.parameter, "limit");
  assert.equal(g.details.value, "5000");
  assert.equal(g.details.issues.length, 2, "every bad parameter is listed");
});

Deno.test("good query parameters reach the handler parsed, with the schema's defaults", async () => {
  await using s = serve();
  const ok = await s.post(`${WAIT}?timeout_ms=5000&wait_for=final`, {
    performative: "request",
    receiver: "echo",
    content: "x",
  });
  assert.equal(ok.status, 200, await ok.clone().text());
  await ok.body?.cancel();
  const page = await (await fetch(s.url("/api/v1/messages?limit=1&order=desc"))).json();
  assert.equal(page.messages.length, 1);
  assert.equal(page.total, 2, "the request and its reply");
  const all = await (await fetch(s.url("/api/v1/messages"))).json();
  assert.equal(all.messages.length, 2, "default limit 50");
});

Deno.test("a bad path parameter answers 400 naming it", async () => {
  await using s = serve();
  const e = await errorOf(await fetch(s.url(`/api/v1/conversations/${"x".repeat(1025)}`)), 400);
  assert.equal(e.code, "INVALID_REQUEST");
  assert.equal(e.details.in, "path");
  assert.equal(e.details.parameter, "id");
  const missing = await errorOf(await fetch(s.url("/api/v1/conversations/none")), 404);
  assert.equal(missing.code, "NOT_FOUND");
});
