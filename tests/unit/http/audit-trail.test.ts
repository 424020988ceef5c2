import assert from "node:assert/strict";
import { OpenAPIHono } from "@hono/zod-openapi";
import { AuditLog } from "../../../runtime/audit/mod.ts";
import { auth } from "../../../runtime/http/auth.ts";
import { auditTokenFailure } from "../../../runtime/http/audit-trail.ts";
import type { AppEnv } from "../../../runtime/http/mod.ts";
import { Authenticator, StaticTokens } from "../../../runtime/security/mod.ts";

Deno.test("a flood of bad tokens is recorded up to a burst, then counted as suppressed", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const log = new AuditLog(kv, { retentionDays: 0 });
    let t = 0;
    const app = new OpenAPIHono<AppEnv>();
    app.use(
      "*",
      auth({
        authenticator: new Authenticator(
          new StaticTokens([{ token: "good-token-0123456789", role: "reader", scopes: [] }]),
        ),
        onFailure: auditTokenFailure(log, () => t),
      }),
    );
    app.get("/x", (c) => c.text("ok"));
    const bad = () =>
      app.request("/x", { headers: { authorization: "Bearer nope-0123456789abcdef" } });
    for (let i = 0; i < 150; i++) assert.equal((await bad()).status, 401);
    assert.equal((await log.list({ limit: 1000 })).records.length, 100, "the burst");
    t += 1000; // ten more per second
    assert.equal((await bad()).status, 401);
    const records = (await log.list({ limit: 1000 })).records;
    assert.equal(records.length, 101);
    assert.deepEqual(records[100].details, {
      status: 401,
      reason: "unknown token",
      suppressed: 50,
    });
    assert.equal(records[100].target, "GET /x");
    assert.ok((await log.verify()).ok);
  } finally {
    kv.close();
  }
});
