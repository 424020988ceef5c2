/**
 * The audit trail and the HTTP metrics of `POST /api/v1/messages` as `createApp` mounts them:
 * a delivered message is not audited (its row has no `audit` name), every `403` is, stored
 * before the response goes out, and every call is counted under the route's pattern.
 */
import assert from "node:assert/strict";
import { AuditLog } from "../../../runtime/audit/mod.ts";
import { createApp } from "../../../runtime/http/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { createNodeMetrics } from "../../../runtime/metrics/mod.ts";
import { MessageRouter } from "../../../runtime/routing/mod.ts";

const SENDER = "sender-token-0123456789";

async function withApp(
  fn: (t: {
    post: (body: unknown, path?: string) => Promise<Response>;
    app: ReturnType<typeof createApp>;
    audit: AuditLog;
    counted: () => Promise<string[]>;
  }) => Promise<void>,
): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  try {
    const router = new MessageRouter("node1");
    router.register("echo", { deliver: () => {} });
    router.register("billing-1", { deliver: () => {} });
    const audit = new AuditLog(kv, { retentionDays: 0 });
    const metrics = createNodeMetrics("node1");
    const app = createApp({
      node: "node1",
      router,
      log: silentLogger,
      maxBodyBytes: 4096,
      audit,
      metrics,
      tokens: [{ token: SENDER, role: "sender", scopes: [{ kind: "send", pattern: "billing-*" }] }],
    });
    const post = async (body: unknown, path = "/api/v1/messages") =>
      await app.request(path, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json", authorization: `Bearer ${SENDER}` },
      });
    const counted = async () =>
      (await metrics.registry.getSingleMetric("fipa_edge_http_requests_total")!.get()).values
        .map((v) => `${v.labels.method} ${v.labels.route} ${v.labels.status} ${v.value}`)
        .sort();
    await fn({ post, audit, counted, app });
  } finally {
    kv.close();
  }
}

Deno.test("a delivered message writes no audit record; each refusal writes one before the answer", async () => {
  await withApp(async ({ post, audit, counted, app }) => {
    const ok = await post({ performative: "inform", receiver: "billing-1", content: "x" });
    assert.equal(ok.status, 200, await ok.text());
    assert.equal((await audit.list({ limit: 10 })).records.length, 0);

    // A sender no caller may use (the platform's AMS): `message.sender`.
    const forged = await post({
      performative: "inform",
      sender: "ams",
      receiver: "billing-1",
      content: "x",
    });
    assert.equal(forged.status, 403);
    const forgedTrace = forged.headers.get("x-trace-id");
    assert.match(forgedTrace ?? "", /^[0-9a-f]{32}$/);
    await forged.body?.cancel();
    let records = (await audit.list({ limit: 10 })).records;
    assert.equal(records.length, 1, "stored before the response went out");
    assert.deepEqual(
      [records[0].action, records[0].target, records[0].outcome],
      ["message.sender", "ams", "refused"],
    );
    assert.notEqual(records[0].actor, "anonymous", "the token's subject");
    assert.equal(records[0].trace_id, forgedTrace);
    assert.equal(records[0].details?.status, 403);
    assert.equal(records[0].details?.code, "FORBIDDEN");

    // A receiver outside the token's `send` scopes: the route's own name.
    const scoped = await post({ performative: "inform", receiver: "echo", content: "x" });
    assert.equal(scoped.status, 403);
    await scoped.body?.cancel();
    records = (await audit.list({ limit: 10 })).records;
    assert.equal(records.length, 2);
    assert.deepEqual(
      [records[1].action, records[1].outcome, records[1].details?.reason],
      ["POST /api/v1/messages", "refused", "scope"],
    );

    // Other errors of the route are answered as before and not audited.
    const bad = await post({ performative: "no-such", receiver: "billing-1" });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, "INVALID_ACL");
    const missing = await post({ performative: "inform", receiver: "billing-404" });
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, "AGENT_NOT_FOUND");
    assert.equal((await audit.list({ limit: 10 })).records.length, 2);
    assert.ok((await audit.verify()).ok);

    // A call the app-wide checks refuse (no token): counted, not audited by the route.
    const anonymous = await app.request("/api/v1/messages", {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();

    // The metrics counted every call under the route's pattern, with its final status.
    assert.deepEqual(await counted(), [
      "POST /* 401 1",
      "POST /api/v1/messages 200 1",
      "POST /api/v1/messages 400 1",
      "POST /api/v1/messages 403 2",
      "POST /api/v1/messages 404 1",
    ]);
  });
});

Deno.test("send-and-wait's refusals are audited the same way", async () => {
  await withApp(async ({ post, audit }) => {
    const res = await post(
      { performative: "request", sender: "df", receiver: "billing-1", content: "x" },
      "/api/v1/messages/send-and-wait?timeout_ms=50",
    );
    assert.equal(res.status, 403);
    await res.body?.cancel();
    const records = (await audit.list({ limit: 10 })).records;
    assert.deepEqual(
      records.map((r) => [r.action, r.target, r.outcome]),
      [["message.sender", "df", "refused"]],
    );
  });
});
