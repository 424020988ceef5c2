/**
 * Walks THE access table (runtime/http/access.ts) against a real node: for every mutating
 * route, no token → 401, a token without the role → 403, a token whose scope does not cover
 * the agent → 403, the right token → anything but 401/403. Then checks /openapi.json shows
 * every row as the operation's `security`, and that the senders of HTTP messages are policed.
 */
import assert from "node:assert/strict";
import { type Action, rolesFor } from "../../runtime/security/mod.ts";
import { ROUTE_ACCESS, type RouteAccess } from "../../runtime/http/access.ts";
import { spawnNode } from "../support/node-process.ts";

const T = {
  admin: "walk-admin-token-0123456789",
  reader: "walk-reader-token-0123456789",
  sender: "walk-sender-token-0123456789",
  deployer: "walk-deployer-token-0123456789",
  scopedSender: "walk-scoped-sender-0123456789",
  scopedDeployer: "walk-scoped-deployer-0123456789",
  scopedAdmin: "walk-scoped-admin-0123456789",
  client: "walk-client-sender-0123456789",
};

/** A token whose roles lack `action` (every role has `read`). */
const LACKING: Record<Exclude<Action, "read">, string> = {
  send: T.deployer,
  deploy: T.sender,
  admin: T.deployer,
};
/** The least role's token for `action`. */
const RIGHT: Record<Action, string> = {
  read: T.reader,
  send: T.sender,
  deploy: T.deployer,
  admin: T.admin,
};
/** A token with the right role but scopes that cover no agent the walk names. */
const OUT_OF_SCOPE: Record<Action, string | undefined> = {
  read: undefined,
  send: T.scopedSender,
  deploy: T.scopedDeployer,
  admin: T.scopedAdmin,
};

/** A request for a row: its body, with `target` as the agent it names. */
function request(key: string, target: string): { path: string; init: RequestInit } {
  const [method, template] = key.split(" ");
  const path = template.replace(/\{[^}]+\}/g, target);
  const init: RequestInit = { method };
  if (key === "POST /api/v1/agents") {
    const form = new FormData();
    form.set("wasm", new File([new Uint8Array([0, 97, 115, 109])], "x.wasm"));
    form.set("config", JSON.stringify({ name: target }));
    init.body = form;
  } else if (key.startsWith("POST /api/v1/messages")) {
    init.body = JSON.stringify({ performative: "inform", receiver: target, content: "x" });
    init.headers = { "content-type": "application/json" };
  } else if (key === "POST /a2a") {
    // The platform's A2A endpoint names the agent in the skill (`<agent>/<skill>`).
    init.body = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "SendMessage",
      params: {
        message: {
          messageId: "m1",
          role: "ROLE_USER",
          parts: [{ text: "x" }],
          metadata: { skill: `${target}/echo` },
        },
      },
    });
    init.headers = { "content-type": "application/json" };
  } else if (key === "POST /api/v1/deployments") {
    init.body = JSON.stringify({ agent_id: target, strategy: "immediate" });
    init.headers = { "content-type": "application/json" };
  } else if (key === "POST /api/v1/services") {
    init.body = JSON.stringify({ name: target, services: [] });
    init.headers = { "content-type": "application/json" };
  } else if (method === "POST" || method === "PUT") {
    init.body = "{}";
    init.headers = { "content-type": "application/json" };
  }
  return { path, init };
}

function withToken(init: RequestInit, token?: string): RequestInit {
  const headers = new Headers(init.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  return { ...init, headers };
}

Deno.test("the access table: 401 without a token, 403 without the role or scope, else passes", async () => {
  const node = await spawnNode([
    "--admin-token",
    T.admin,
    "--read-token",
    T.reader,
    "--api-token",
    `sender=${T.sender}`,
    "--api-token",
    `deployer=${T.deployer}`,
    "--api-token",
    `sender[send:team-a-*]=${T.scopedSender}`,
    "--api-token",
    `deployer[deploy:team-a-*]=${T.scopedDeployer}`,
    "--api-token",
    `admin[send:team-a-* deploy:team-a-*]=${T.scopedAdmin}`,
  ]);
  try {
    const call = async (key: string, token: string | undefined, target = "nope-agent") => {
      const { path, init } = request(key, target);
      const res = await fetch(node.url + path, withToken(init, token));
      const body = await res.text();
      return { status: res.status, body };
    };
    // Drain last: it changes the node.
    const rows = (Object.entries(ROUTE_ACCESS) as [string, RouteAccess][])
      .filter(([k, a]) => a.action !== "public" && a.action !== "read" && !k.startsWith("GET"))
      .sort(([a], [b]) => Number(a.includes("drain")) - Number(b.includes("drain")));
    assert.ok(rows.length >= 20, `only ${rows.length} mutating rows`);
    for (const [key, access] of rows) {
      if (access.action === "public" || access.action === "read") continue;
      const none = await call(key, undefined);
      assert.equal(none.status, 401, `${key} without a token: ${none.body}`);
      const lacking = await call(key, LACKING[access.action]);
      assert.equal(lacking.status, 403, `${key} without the role: ${lacking.body}`);
      assert.match(lacking.body, /"reason":"role"/);
      if (access.param !== undefined || access.body !== undefined) {
        const scoped = await call(key, OUT_OF_SCOPE[access.action]);
        assert.equal(scoped.status, 403, `${key} outside the scope: ${scoped.body}`);
        assert.match(scoped.body, /"reason":"scope"/, key);
        const inScope = await call(key, OUT_OF_SCOPE[access.action], "team-a-x");
        assert.ok(![401, 403].includes(inScope.status), `${key} in scope: ${inScope.body}`);
      }
      const right = await call(key, RIGHT[access.action]);
      assert.ok(![401, 403].includes(right.status), `${key} with the right role: ${right.body}`);
    }

    // The OpenAPI document shows every row as its operation's security, and nothing more.
    const doc = await (await fetch(`${node.url}/openapi.json`, withToken({}, T.reader))).json();
    const seen = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, object>)) {
      for (const [method, op] of Object.entries(ops as Record<string, Record<string, unknown>>)) {
        const key = `${method.toUpperCase()} ${path}`;
        const access = ROUTE_ACCESS[key];
        assert.ok(access, `${key} has no row`);
        seen.add(key);
        const want = access.action === "public"
          ? []
          : [{ bearerAuth: rolesFor(access.action) }, { caxtonToken: rolesFor(access.action) }];
        assert.deepEqual(op.security, want, key);
      }
    }
    const unseen = Object.keys(ROUTE_ACCESS).filter((k) =>
      !seen.has(k) && k !== "GET /openapi.json"
    );
    assert.deepEqual(unseen, [], "rows of routes the node does not have");
    assert.ok(doc.components.securitySchemes.bearerAuth);
  } finally {
    await node.stop();
  }
});

Deno.test("read scopes narrow what a reader sees of agents", async () => {
  const scoped = "walk-scoped-reader-0123456789";
  const node = await spawnNode(
    [
      "--read-token",
      T.reader,
      "--api-token",
      `reader[read:team-a-*]=${scoped}`,
    ],
    {},
    { sampleAgents: true },
  );
  try {
    const get = async (path: string, token: string) => {
      const res = await fetch(node.url + path, withToken({}, token));
      return { status: res.status, body: await res.json() };
    };
    const all = await get("/api/v1/agents", T.reader);
    assert.deepEqual(all.body.agents.map((a: { name: string }) => a.name), ["echo"]);
    const narrowed = await get("/api/v1/agents", scoped);
    assert.deepEqual(narrowed.body, { agents: [], total: 0 });
    assert.equal((await get("/api/v1/agents/echo", T.reader)).status, 200);
    const refused = await get("/api/v1/agents/echo", scoped);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.details.reason, "scope");
  } finally {
    await node.stop();
  }
});
