import assert from "node:assert/strict";
import { RATE_LIMIT_DEFAULTS } from "../../../runtime/config/mod.ts";
import type { Context } from "hono";
import { z } from "zod";
import { createApp, defineRoute } from "../../../runtime/http/mod.ts";
import type { AppEnv } from "../../../runtime/http/mod.ts";
import { endpointClass } from "../../../runtime/http/rate-limit.ts";
import { KeyedLimiter, TokenBucket } from "../../../runtime/limits/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { MessageRouter } from "../../../runtime/routing/mod.ts";

const ADMIN = "admin-token-0123456789";
const READ = "read-token-0123456789ab";

function app(extra: Partial<Parameters<typeof createApp>[0]> = {}) {
  const router = new MessageRouter("node1");
  router.register("echo", { deliver: () => {} });
  return createApp({
    node: "node1",
    router,
    log: silentLogger,
    maxBodyBytes: 1 << 16,
    adminTokens: [ADMIN],
    readTokens: [READ],
    ...extra,
  });
}

const msg = JSON.stringify({ performative: "inform", receiver: "echo", content: "x" });

Deno.test("with tokens configured, every route but /health, /openapi.json and the pages needs one", async () => {
  const a = app();
  assert.equal((await a.request("/health")).status, 200);
  const doc = await a.request("/openapi.json");
  assert.equal(doc.status, 200, "the document describes the code, not the node's data");
  await doc.body?.cancel();
  for (
    const [method, path] of [["GET", "/api/v1/messages"], ["POST", "/api/v1/messages"], [
      "POST",
      "/api/v1/messages/validate",
    ]]
  ) {
    const res = await a.request(path, {
      method,
      body: method === "POST" ? msg : undefined,
      headers: { "content-type": "application/json" },
    });
    assert.equal(res.status, 401, `${method} ${path}`);
    const body = await res.json();
    assert.equal(body.error.code, "UNAUTHORIZED");
    assert.match(res.headers.get("www-authenticate") ?? "", /Bearer/);
  }
  const wrong = await a.request("/api/v1/messages", {
    headers: { "x-caxton-token": "nope-nope-nope-nope" },
  });
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();
});

Deno.test("an admin token may do everything, in either header", async () => {
  const a = app();
  const r1 = await a.request("/api/v1/messages", {
    method: "POST",
    body: msg,
    headers: { "content-type": "application/json", "x-caxton-token": ADMIN },
  });
  assert.equal(r1.status, 200);
  await r1.body?.cancel();
  const r2 = await a.request("/api/v1/messages", {
    method: "POST",
    body: msg,
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
  });
  assert.equal(r2.status, 200);
  await r2.body?.cancel();
});

Deno.test("a read-only token reads, validates, and is refused on mutating routes", async () => {
  const a = app();
  const h = { "content-type": "application/json", authorization: `Bearer ${READ}` };
  const doc = await a.request("/openapi.json", { headers: h });
  assert.equal(doc.status, 200);
  await doc.body?.cancel();
  const v = await a.request("/api/v1/messages/validate", { method: "POST", body: msg, headers: h });
  assert.equal(v.status, 200);
  await v.body?.cancel();
  const send = await a.request("/api/v1/messages", { method: "POST", body: msg, headers: h });
  assert.equal(send.status, 403);
  assert.equal((await send.json()).error.code, "FORBIDDEN");
});

Deno.test("with no token configured the API is open", async () => {
  const a = app({ adminTokens: [], readTokens: [] });
  const res = await a.request("/api/v1/messages", {
    method: "POST",
    body: msg,
    headers: { "content-type": "application/json" },
  });
  assert.equal(res.status, 200);
  await res.body?.cancel();
});

Deno.test("rate limits answer 429 with X-RateLimit-* and Retry-After", async () => {
  const a = app({
    adminTokens: [],
    readTokens: [],
    rateLimits: { ...RATE_LIMIT_DEFAULTS, messages: { limit: 2, windowSeconds: 60, burst: 3 } },
  });
  const send = () =>
    a.request("/api/v1/messages", {
      method: "POST",
      body: msg,
      headers: { "content-type": "application/json" },
    });
  const remaining: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await send();
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("x-ratelimit-limit"), "2");
    remaining.push(r.headers.get("x-ratelimit-remaining")!);
    assert.ok(Number(r.headers.get("x-ratelimit-reset")) > Date.now() / 1000 - 1);
    await r.body?.cancel();
  }
  assert.deepEqual(remaining, ["2", "1", "0"]);
  const limited = await send();
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get("retry-after")) >= 1);
  assert.equal(limited.headers.get("x-ratelimit-remaining"), "0");
  const e = (await limited.json()).error;
  assert.equal(e.code, "RATE_LIMITED");
  assert.equal(e.details.endpoint_class, "messages");
  const h = await a.request("/health");
  assert.equal(h.status, 200);
  assert.equal(h.headers.get("x-ratelimit-limit"), null);
  await h.body?.cancel();
});

Deno.test("endpoint classes follow the Caxton table", () => {
  assert.equal(endpointClass("POST", "/api/v1/messages"), "messages");
  assert.equal(endpointClass("POST", "/mcp"), "messages");
  assert.equal(endpointClass("POST", "/a2a/echo"), "messages");
  assert.equal(endpointClass("GET", "/.well-known/agent-card.json"), undefined);
  assert.equal(endpointClass("POST", "/api/v1/agents"), "deploy");
  assert.equal(endpointClass("GET", "/api/v1/agents"), "reads");
  assert.equal(endpointClass("GET", "/api/v1/deployments/d-1"), "reads");
  assert.equal(endpointClass("POST", "/api/v1/deployments/d-1/rollback"), "system");
  assert.equal(endpointClass("DELETE", "/api/v1/agents/a"), "system");
  assert.equal(endpointClass("GET", "/api/v1/metrics/system"), "metrics");
  assert.equal(endpointClass("GET", "/health"), undefined);
});

Deno.test("token buckets refill at their rate and cap at their burst", () => {
  const b = new TokenBucket({ ratePerSecond: 2, burst: 2 }, 0);
  assert.ok(b.take(0).allowed);
  assert.ok(b.take(0).allowed);
  const r = b.take(0);
  assert.equal(r.allowed, false);
  assert.equal(r.retryAfterMs, 500);
  assert.ok(b.take(500).allowed);
  assert.ok(!b.take(500).allowed);
  assert.ok(b.isFull(10_000));
  assert.throws(
    () => new TokenBucket({ ratePerSecond: -1, burst: 1 }, 0),
    /ratePerSecond must be a finite number >= 0, got -1/,
  );
  assert.throws(
    () => new TokenBucket({ ratePerSecond: 1, burst: NaN }, 0),
    /burst must be a finite number >= 0, got NaN/,
  );
});

Deno.test("a token bucket takes a burst, then the rate, and refills up to the burst", () => {
  const b = new TokenBucket({ ratePerSecond: 10, burst: 3 }, 0);
  const take = (t: number) => b.take(t).allowed;
  assert.deepEqual([take(0), take(0), take(0), take(0)], [true, true, true, false]);
  assert.equal(take(50), false);
  assert.equal(take(100), true);
  assert.equal(take(100), false);
  assert.equal(take(10_000), true, "refills up to the burst");
  assert.equal(b.msUntilFull(10_000), 100);
});

Deno.test("a token bucket with rate 0 or burst 0 never refills or never allows", () => {
  const noRefill = new TokenBucket({ ratePerSecond: 0, burst: 1 }, 0);
  assert.ok(noRefill.take(0).allowed);
  assert.deepEqual(noRefill.take(1_000_000), {
    allowed: false,
    remaining: 0,
    retryAfterMs: Infinity,
  });
  assert.equal(noRefill.msUntilFull(0), Infinity);
  const closed = new TokenBucket({ ratePerSecond: 100, burst: 0 }, 0);
  assert.equal(closed.take(1_000_000).allowed, false);
  assert.ok(closed.isFull(0));
  assert.equal(closed.msUntilFull(0), 0);
});

Deno.test("a keyed limiter forgets idle keys", () => {
  const l = new KeyedLimiter({ limit: 1, windowSeconds: 1, burst: 1 });
  for (let i = 0; i < 100; i++) l.check(`k${i}`, 0);
  assert.equal(l.size, 100);
  l.check("late", 20_000);
  assert.equal(l.size, 1);
});

Deno.test("bridges: agent cards are public, /mcp takes any token, /a2a needs send on the agent", async () => {
  const SENDER = "sender-token-0123456789";
  const BILLING = "billing-sender-token-0123";
  const a = app({
    tokens: [
      { token: SENDER, role: "sender", scopes: [] },
      { token: BILLING, role: "sender", scopes: [{ kind: "send", pattern: "billing-*" }] },
    ],
  });
  const ok = (c: Context<AppEnv>) => c.json({ ok: true });
  const route = (method: "get" | "post", path: string, params?: z.ZodObject) =>
    defineRoute(a, {
      method,
      path,
      ...(params ? { request: { params } } : {}),
      responses: { 200: { description: "ok" } },
    }, ok);
  const Agent = z.object({ agent: z.string() });
  route("get", "/.well-known/agent-card.json");
  route("get", "/a2a/{agent}/.well-known/agent-card.json", Agent);
  route("post", "/mcp");
  route("post", "/a2a/{agent}", Agent);
  assert.equal((await a.request("/.well-known/agent-card.json")).status, 200);
  assert.equal((await a.request("/a2a/echo/.well-known/agent-card.json")).status, 200);
  assert.equal((await a.request("/a2a/echo/x/.well-known/agent-card.json")).status, 401);
  const post = (path: string, token?: string) =>
    a.request(path, {
      method: "POST",
      body: "{}",
      headers: {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
  assert.equal((await post("/mcp")).status, 401);
  assert.equal((await post("/mcp", READ)).status, 200, "each MCP tool checks its own action");
  assert.equal((await post("/a2a/echo", READ)).status, 403, "a reader may not send");
  assert.equal((await post("/a2a/echo", BILLING)).status, 403, "send scopes must cover the agent");
  assert.equal((await post("/a2a/billing-eu", BILLING)).status, 200);
  assert.equal((await post("/a2a/echo", SENDER)).status, 200);
  assert.equal((await post("/a2a/echo", ADMIN)).status, 200);
});
