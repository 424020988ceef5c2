/**
 * The HTTP metrics middleware around the app-wide checks (one Hono step): what the checks
 * answer, throw or let through is answered as Hono would and counted with its final status.
 */
import assert from "node:assert/strict";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { ApiError } from "../../../runtime/errors/mod.ts";
import type { AppEnv } from "../../../runtime/http/mod.ts";
import { onError } from "../../../runtime/http/errors.ts";
import { httpMetrics } from "../../../runtime/http/metrics-middleware.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { createNodeMetrics } from "../../../runtime/metrics/mod.ts";

Deno.test("metrics around the checks count answers, thrown errors and handled requests", async () => {
  const m = createNodeMetrics("n");
  const errors = onError(silentLogger);
  const checks: MiddlewareHandler<AppEnv> = (c, next) => {
    const what = c.req.header("x-check");
    if (what === "answer") return Promise.resolve(c.text("no", 429));
    if (what === "throw") throw new ApiError("FORBIDDEN", "thrown");
    if (what === "reject") return Promise.reject(new ApiError("PAYLOAD_TOO_LARGE", "rejected"));
    return next();
  };
  const app = new OpenAPIHono<AppEnv>();
  app.use("*", httpMetrics(m, { handler: checks, onError: errors }));
  app.onError(errors);
  app.get("/x/:id", (c) => c.text(`x ${c.req.param("id")}`));
  app.get("/boom", () => {
    throw new ApiError("NOT_FOUND", "gone");
  });
  const get = async (path: string, check?: string) => {
    const res = await app.request(path, { headers: check ? { "x-check": check } : {} });
    return [res.status, await res.text()] as const;
  };
  assert.deepEqual(await get("/x/1"), [200, "x 1"]);
  assert.deepEqual(await get("/x/2", "answer"), [429, "no"]);
  const thrown = await get("/x/3", "throw");
  assert.equal(thrown[0], 403);
  assert.equal(JSON.parse(thrown[1]).error.code, "FORBIDDEN");
  const rejected = await get("/x/4", "reject");
  assert.equal(rejected[0], 413);
  assert.equal(JSON.parse(rejected[1]).error.message, "rejected");
  assert.equal((await get("/boom"))[0], 404);
  const counted = (await m.registry.getSingleMetric("fipa_edge_http_requests_total")!.get())
    .values.map((v) => `${v.labels.route} ${v.labels.status} ${v.value}`).sort();
  assert.deepEqual(counted, ["/* 403 1", "/* 413 1", "/* 429 1", "/boom 404 1", "/x/:id 200 1"]);
});
