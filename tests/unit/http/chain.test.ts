import assert from "node:assert/strict";
import { Hono } from "hono";
import { RATE_LIMIT_DEFAULTS } from "../../../runtime/config/mod.ts";
import { createApp } from "../../../runtime/http/mod.ts";
import type { AppEnv } from "../../../runtime/http/mod.ts";
import { chain } from "../../../runtime/http/chain.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { MessageRouter } from "../../../runtime/routing/mod.ts";

Deno.test("chain runs its steps in order, then the route, and hands back a step's own answer", async () => {
  const seen: string[] = [];
  const app = new Hono<AppEnv>();
  app.use(
    "*",
    chain(
      (c, next) => (seen.push("a"), c.header("x-a", "1"), next()),
      (c, next) => {
        seen.push("b");
        if (c.req.path === "/stop") return Promise.resolve(c.text("stopped by b", 418));
        return next();
      },
      (_c, next) => (seen.push("c"), next()),
    ),
  );
  app.get("*", (c) => (seen.push("route"), c.text("ok")));
  const ok = await app.request("/go");
  assert.equal(await ok.text(), "ok");
  assert.equal(ok.headers.get("x-a"), "1");
  assert.deepEqual(seen, ["a", "b", "c", "route"]);
  seen.length = 0;
  const stop = await app.request("/stop");
  assert.equal(stop.status, 418);
  assert.equal(await stop.text(), "stopped by b");
  assert.deepEqual(seen, ["a", "b"]);
});

Deno.test("a step of a chain that throws reaches the app's onError", async () => {
  const app = new Hono<AppEnv>();
  app.onError((e, c) => c.text(`caught ${e.message}`, 500));
  app.use(
    "*",
    chain((_c, next) => next(), () => {
      throw new Error("boom");
    }),
  );
  app.get("*", (c) => c.text("not reached"));
  const res = await app.request("/x");
  assert.equal(res.status, 500);
  assert.equal(await res.text(), "caught boom");
});

Deno.test("chain of one step is that step; of none is refused", () => {
  const one = (_c: unknown, next: () => Promise<void>) => next();
  assert.equal(chain(one), one);
  assert.throws(() => chain(), /got 0/);
});

Deno.test("with rate limits on, the body limit's answers reach the client through the chain", async () => {
  const router = new MessageRouter("node1");
  router.register("echo", { deliver: () => {} });
  const app = createApp({
    node: "node1",
    router,
    log: silentLogger,
    maxBodyBytes: 64,
    rateLimits: RATE_LIMIT_DEFAULTS,
  });
  const body = JSON.stringify({ performative: "inform", receiver: "echo", content: "x" });
  const post = (length: string, text = body) =>
    app.request("/api/v1/messages", {
      method: "POST",
      body: text,
      headers: { "content-type": "application/json", "content-length": length },
    });
  const big = await post("5000", "x".repeat(5000));
  assert.equal(big.status, 413);
  assert.equal((await big.json()).error.code, "PAYLOAD_TOO_LARGE");
  assert.ok(big.headers.get("x-ratelimit-limit"), "the rate limit ran before the body limit");
  const bad = await post("ten");
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error.message, /Content-Length 'ten'/);
  const ok = await post(String(body.length));
  assert.equal(ok.status, 200);
  assert.equal((await ok.json()).status, "delivered");
});
