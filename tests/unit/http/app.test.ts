import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import type { Delivery } from "../../../runtime/routing/mod.ts";
import { MessageRouter } from "../../../runtime/routing/mod.ts";
import { createApp } from "../../../runtime/http/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";

function setup(maxBodyBytes = 4096) {
  const router = new MessageRouter("node1");
  const got: Delivery[] = [];
  router.register("echo", { deliver: (d) => void got.push(d) });
  const app = createApp({ node: "node1", router, log: silentLogger, maxBodyBytes });
  const post = (path: string, body: string, type = "application/json") =>
    app.request(path, { method: "POST", body, headers: { "content-type": type } });
  return { app, got, post };
}

async function errorOf(res: Response) {
  const body = await res.json();
  assert.deepEqual(Object.keys(body), ["error"]);
  assert.deepEqual(Object.keys(body.error).sort(), ["code", "details", "message", "trace_id"]);
  assert.match(body.error.trace_id, /^[0-9a-f]{32}$/);
  return body.error;
}

Deno.test("POST /api/v1/messages delivers a JSON-form message and answers the seeds' shape", async () => {
  const { got, post } = setup();
  const res = await post(
    "/api/v1/messages",
    JSON.stringify({
      performative: "request",
      sender: "client_001",
      receiver: "echo",
      content: { action: "process", data: { key: "value" } },
      conversation_id: "conv_789",
      reply_with: "msg_001",
      in_reply_to: null,
    }),
  );
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.match(body.message_id, /^msg_[0-9a-f]{32}$/);
  assert.equal(body.status, "delivered");
  assert.ok(!Number.isNaN(Date.parse(body.delivered_at)));
  assert.equal(got.length, 1);
  assert.equal(got[0].message_id, body.message_id);
  assert.equal(got[0].message.performative, "request");
  assert.deepEqual(got[0].message.content, { action: "process", data: { key: "value" } });
  assert.equal(got[0].message.in_reply_to, undefined);
});

Deno.test("POST /api/v1/messages takes the FIPA string form and full agent names", async () => {
  const { got, post } = setup();
  const res = await post(
    "/api/v1/messages",
    '(inform :sender (agent-identifier :name a@x) :receiver (set (agent-identifier :name echo@node1)) :content "hi")',
    "text/fipa-acl",
  );
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(got[0].message.content, "hi");
  assert.equal(got[0].message.sender?.name, "a@x");
});

Deno.test("an unknown receiver answers 404 AGENT_NOT_FOUND and delivers to nobody", async () => {
  const { got, post } = setup();
  const res = await post(
    "/api/v1/messages",
    JSON.stringify({ performative: "inform", receiver: ["echo", "ghost"] }),
  );
  assert.equal(res.status, 404);
  const e = await errorOf(res);
  assert.equal(e.code, "AGENT_NOT_FOUND");
  assert.equal(e.details.agent, "ghost");
  assert.equal(got.length, 0);
});

Deno.test("a message for another platform's agent is not found on this node", async () => {
  const { post } = setup();
  const res = await post(
    "/api/v1/messages",
    JSON.stringify({ performative: "inform", receiver: "echo@elsewhere" }),
  );
  assert.equal(res.status, 404);
});

Deno.test("bad JSON answers INVALID_ACL with line and column", async () => {
  const { post } = setup();
  const res = await post("/api/v1/messages", '{"performative":\n "inform",, }');
  assert.equal(res.status, 400);
  const e = await errorOf(res);
  assert.equal(e.code, "INVALID_ACL");
  assert.equal(e.details.line, 2);
  assert.equal(typeof e.details.column, "number");
});

Deno.test("a bad field answers INVALID_ACL naming its path", async () => {
  const { post } = setup();
  const res = await post(
    "/api/v1/messages",
    JSON.stringify({ performative: "inform", receiver: [{ name: "" }] }),
  );
  assert.equal(res.status, 400);
  const e = await errorOf(res);
  assert.equal(e.code, "INVALID_ACL");
  assert.deepEqual(e.details.path.slice(0, 1), ["receiver"]);
  const res2 = await post(
    "/api/v1/messages",
    JSON.stringify({ performative: "shout", receiver: "echo" }),
  );
  const e2 = await errorOf(res2);
  assert.deepEqual(e2.details.path, ["performative"]);
  const res3 = await post(
    "/api/v1/messages",
    JSON.stringify({ performative: "inform", receiver: "echo", colour: 1 }),
  );
  assert.equal(res3.status, 400);
  assert.match((await errorOf(res3)).message, /colour/);
});

Deno.test("a bad string-form message answers INVALID_ACL with line and column", async () => {
  const { post } = setup();
  const res = await post(
    "/api/v1/messages",
    '(inform\n  :receiver (set (agent-identifier :name echo))\n  :content "unterminated)',
    "text/fipa-acl",
  );
  assert.equal(res.status, 400);
  const e = await errorOf(res);
  assert.equal(e.code, "INVALID_ACL");
  assert.equal(e.details.form, "fipa-string");
  assert.equal(e.details.line, 3);
  assert.equal(typeof e.details.column, "number");
});

Deno.test("a string-form message without receivers is refused", async () => {
  const { post } = setup();
  const res = await post("/api/v1/messages", '(inform :content "x")', "text/fipa-acl");
  assert.equal(res.status, 400);
  assert.deepEqual((await errorOf(res)).details.path, ["receiver"]);
});

Deno.test("a wrong content type answers 415, a missing one too", async () => {
  const { app, post } = setup();
  const res = await post("/api/v1/messages", "x", "text/html");
  assert.equal(res.status, 415);
  assert.equal((await errorOf(res)).code, "UNSUPPORTED_MEDIA_TYPE");
  const res2 = await app.request("/api/v1/messages", { method: "POST", body: new Uint8Array([1]) });
  assert.equal(res2.status, 415);
});

Deno.test("an oversized body answers 413 PAYLOAD_TOO_LARGE", async () => {
  const { post } = setup(2048);
  const res = await post(
    "/api/v1/messages",
    JSON.stringify({ performative: "inform", receiver: "echo", content: "x".repeat(5000) }),
  );
  assert.equal(res.status, 413);
  const e = await errorOf(res);
  assert.equal(e.code, "PAYLOAD_TOO_LARGE");
  assert.equal(e.details.limit_bytes, 2048);
});

Deno.test("validate answers both forms and delivers nothing", async () => {
  const { got, post } = setup();
  const res = await post(
    "/api/v1/messages/validate",
    JSON.stringify({ performative: "QUERY_IF", receiver: "nobody", content: "(x)" }),
  );
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.valid, true);
  assert.equal(body.message.performative, "query-if");
  assert.match(body.fipa_string, /^\(query-if/);
  assert.equal(got.length, 0);
  const bad = await post("/api/v1/messages/validate", "(nonsense", "text/fipa-acl");
  assert.equal(bad.status, 400);
});

Deno.test("health, OpenAPI and unknown routes", async () => {
  const { app } = setup();
  const h = await app.request("/health");
  assert.equal(h.status, 200);
  assert.equal((await h.json()).status, "ok");
  const doc = await (await app.request("/openapi.json")).json();
  assert.equal(doc.openapi, "3.1.0");
  assert.ok(doc.paths["/api/v1/messages"].post.requestBody.content["application/json"].schema);
  assert.ok(doc.paths["/api/v1/messages"].post.requestBody.content["text/fipa-acl"]);
  const nf = await app.request("/nope");
  assert.equal(nf.status, 404);
  assert.equal((await errorOf(nf)).code, "NOT_FOUND");
});

Deno.test("the trace id of a traceparent header is echoed in errors", async () => {
  const { app } = setup();
  const tid = "4bf92f3577b34da6a3ce929d0e0e4736";
  const res = await app.request("/nope", {
    headers: { traceparent: `00-${tid}-00f067aa0ba902b7-01` },
  });
  assert.equal(res.headers.get("x-trace-id"), tid);
  assert.equal((await res.json()).error.trace_id, tid);
});

Deno.test("random and mutated bodies never answer 5xx", async () => {
  const { app } = setup();
  const seed = JSON.stringify({ performative: "inform", receiver: "echo", content: "hello" });
  const fipa = '(inform :receiver (set (agent-identifier :name echo)) :content "hello")';
  const body = fc.oneof(
    fc.string(),
    fc.json(),
    fc.tuple(fc.constantFrom(seed, fipa), fc.nat(80), fc.string({ maxLength: 3 })).map(
      ([s, i, ins]) => s.slice(0, i % s.length) + ins + s.slice((i % s.length) + 1),
    ),
  );
  await fc.assert(
    fc.asyncProperty(body, fc.constantFrom("application/json", "text/fipa-acl"), async (b, t) => {
      const res = await app.request("/api/v1/messages", {
        method: "POST",
        body: b,
        headers: { "content-type": t },
      });
      await res.body?.cancel();
      return res.status < 500;
    }),
    { numRuns: 400 },
  );
});
