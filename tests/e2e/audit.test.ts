/**
 * The audit trail of a real node: a scripted sequence of operations (a refused token, deploy,
 * stop, start, a service registration, a refused sender, a failed migration, delete, drain)
 * is listed in order with who, what, target, outcome and trace id; the chain verifies; the
 * CLI lists and verifies it; a reader may not read it.
 */
import assert from "node:assert/strict";
import { watAgentBytes } from "../../agents/build/mod.ts";
import { spawnNode } from "../support/node-process.ts";
import { runCliProcess } from "../support/cli-process.ts";
import { tokenSubject } from "../../runtime/security/mod.ts";

const ADMIN = "audit-admin-token-0123456789";
const READER = "audit-reader-token-0123456789";

Deno.test("the audit log lists a scripted sequence in order and verifies", async () => {
  const node = await spawnNode(["--admin-token", ADMIN, "--read-token", READER]);
  const call = async (method: string, path: string, body?: BodyInit, token = ADMIN) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (typeof body === "string") headers["content-type"] = "application/json";
    const res = await fetch(node.url + path, { method, body, headers });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  try {
    assert.equal(
      (await call("GET", "/api/v1/agents", undefined, "wrong-token-0123456789")).status,
      401,
    );
    const form = new FormData();
    form.set("wasm", new File([await watAgentBytes("tiny") as Uint8Array<ArrayBuffer>], "t.wasm"));
    form.set("config", JSON.stringify({ name: "tiny" }));
    const deployed = await call("POST", "/api/v1/agents", form);
    assert.equal(deployed.status, 201, JSON.stringify(deployed.body));
    assert.equal((await call("POST", "/api/v1/agents/tiny/stop", "{}")).status, 200);
    assert.equal((await call("POST", "/api/v1/agents/tiny/start", "{}")).status, 200);
    const reg = await call(
      "POST",
      "/api/v1/services",
      JSON.stringify({ name: "tiny", services: [] }),
    );
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const forged = await call(
      "POST",
      "/api/v1/messages",
      JSON.stringify({ performative: "inform", sender: "ams", receiver: "tiny", content: "x" }),
    );
    assert.equal(forged.status, 403);
    const moved = await call(
      "POST",
      "/api/v1/agents/tiny/migrate",
      JSON.stringify({ target_node: "nowhere" }),
    );
    assert.ok(moved.status >= 400, JSON.stringify(moved.body));
    assert.equal((await call("DELETE", "/api/v1/agents/tiny")).status, 200);
    const drained = await call("POST", "/api/v1/cluster/drain", "{}");

    const page = await call("GET", "/api/v1/audit?limit=100");
    assert.equal(page.status, 200, JSON.stringify(page.body));
    const rows = page.body.records.map((
      r: Record<string, string>,
    ) => [r.action, r.target, r.outcome]);
    assert.deepEqual(rows, [
      ["auth.token", "GET /api/v1/agents", "refused"],
      ["agent.deploy", "tiny", "ok"],
      ["agent.stop", "tiny", "ok"],
      ["agent.start", "tiny", "ok"],
      ["service.register", "tiny", "ok"],
      ["message.sender", "ams", "refused"],
      ["agent.migrate", "tiny", "failed"],
      ["agent.delete", "tiny", "ok"],
      ["cluster.drain", "/api/v1/cluster/drain", drained.status < 400 ? "ok" : "failed"],
    ]);
    const admin = tokenSubject(ADMIN);
    for (const r of page.body.records.slice(1)) {
      assert.equal(r.actor, admin);
      assert.match(r.trace_id, /^[0-9a-f]{32}$/);
    }
    assert.equal(page.body.records[0].details.reason, "unknown token");
    assert.equal(page.body.records[5].details.reason, "platform agent");
    const seqs = page.body.records.map((r: { seq: number }) => r.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));

    const verified = await call("GET", "/api/v1/audit/verify");
    assert.equal(verified.body.ok, true);
    assert.equal(verified.body.checked, rows.length);
    // Admin only.
    assert.equal((await call("GET", "/api/v1/audit", undefined, READER)).status, 403);

    // The CLI lists (filtered) and verifies.
    const cli = (...args: string[]) =>
      runCliProcess([...args, "--url", node.url, "--token", ADMIN]);
    const listed = await cli("audit", "--action", "agent", "--limit", "2");
    assert.equal(listed.code, 0);
    assert.match(listed.out, /agent\.deploy +tiny by token-/);
    assert.match(listed.out, /\(more: --cursor \d+\)/);
    const ok = await cli("audit", "--verify");
    assert.equal(ok.code, 0);
    assert.match(ok.out, /audit chain intact: \d+ records verified/);
  } finally {
    await node.stop();
  }
});
