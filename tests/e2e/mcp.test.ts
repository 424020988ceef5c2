/**
 * The MCP server at `/mcp`, driven by the official SDK's own `Client` over the Streamable
 * HTTP transport against a real node process.
 */
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { spawnNode } from "../support/node-process.ts";

const ADMIN = "mcp-admin-token-0123456789";
const READ = "mcp-read-token-0123456789";
const SENDER = "mcp-sender-token-0123456789";
const SCOPED = "mcp-scoped-deployer-0123456789";

async function connect(url: string, token: string): Promise<Client> {
  const client = new Client({ name: "fipa-edge-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

/** The structured content of a tool call, failing with its text if it is an error. */
function ok(r: Awaited<ReturnType<Client["callTool"]>>): Record<string, unknown> {
  assert.ok(!r.isError, JSON.stringify(r.content));
  return r.structuredContent as Record<string, unknown>;
}

/** The JSON of a resource's first content. */
function json(r: Awaited<ReturnType<Client["readResource"]>>): Record<string, unknown> {
  const c = r.contents[0];
  assert.ok("text" in c, `resource ${c.uri} has no text`);
  return JSON.parse(c.text);
}

/** Rejects after `ms`: a bound on a wait that would otherwise hang the test. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

Deno.test("MCP over Streamable HTTP: tools, DF search, send_and_wait to echo, roles, resources", async () => {
  const node = await spawnNode(
    [
      "--name",
      "mcp-a",
      "--admin-token",
      ADMIN,
      "--read-token",
      READ,
      "--api-token",
      `sender=${SENDER}`,
      "--api-token",
      `deployer[deploy:team-a-*]=${SCOPED}`,
    ],
    {},
    {
      sampleAgents: true,
    },
  );
  const admin = await connect(node.url, ADMIN);
  const reader = await connect(node.url, READ);
  const sender = await connect(node.url, SENDER);
  const scoped = await connect(node.url, SCOPED);
  try {
    // Without a token the endpoint refuses like the rest of the API.
    const anon = await fetch(`${node.url}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: "{}",
    });
    assert.equal(anon.status, 401);
    assert.equal((await anon.json()).error.code, "UNAUTHORIZED");

    const tools = (await admin.listTools()).tools.map((t) => t.name).sort();
    assert.deepEqual(tools, [
      "deploy_agent",
      "get_agent",
      "get_conversation",
      "list_agents",
      "run_contract_net",
      "search_services",
      "send_and_wait",
      "send_message",
      "stop_agent",
    ]);
    const send = (await admin.listTools()).tools.find((t) => t.name === "send_and_wait")!;
    assert.equal(send.inputSchema.type, "object");
    assert.ok("message" in (send.inputSchema.properties ?? {}));

    // search_services: the DF as GET /api/v1/services shows it.
    const reg = await fetch(`${node.url}/api/v1/services`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ name: "echo", services: [{ name: "echoing", type: "echo-service" }] }),
    });
    assert.equal(reg.status, 201, await reg.text());
    const found = ok(
      await reader.callTool({
        name: "search_services",
        arguments: { type: "echo-service" },
      }),
    );
    assert.equal(found.total, 1);
    const [desc] = found.services as { name: { name: string }; services: { name: string }[] }[];
    assert.equal(desc.name.name, "echo");
    assert.equal(desc.services[0].name, "echoing");
    const none = ok(
      await reader.callTool({ name: "search_services", arguments: { type: "nope" } }),
    );
    assert.equal(none.total, 0);

    // send_and_wait reaches the deployed echo and brings its reply back.
    const waited = ok(
      await admin.callTool({
        name: "send_and_wait",
        arguments: {
          message: { performative: "request", receiver: "echo", content: "hello from mcp" },
          timeout_ms: 10_000,
        },
      }),
    );
    const reply = waited.reply as Record<string, unknown>;
    assert.equal(reply.performative, "inform");
    assert.equal(reply.content, "hello from mcp");
    assert.equal(reply.sender, "echo@mcp-a");

    // Errors carry the API's codes.
    const missing = await admin.callTool({
      name: "send_and_wait",
      arguments: { message: { performative: "request", receiver: "ghost", content: "x" } },
    });
    assert.equal(missing.isError, true);
    assert.equal(
      (missing.structuredContent as { error: { code: string } }).error.code,
      "AGENT_NOT_FOUND",
    );
    const badAcl = await admin.callTool({
      name: "send_message",
      arguments: { message: { performative: "shout", receiver: "echo" } },
    });
    assert.equal(
      (badAcl.structuredContent as { error: { code: string } }).error.code,
      "INVALID_ACL",
    );

    // A read-only token lists and reads, but may not deploy, stop or send.
    const listed = ok(await reader.callTool({ name: "list_agents", arguments: {} }));
    assert.deepEqual((listed.agents as { name: string }[]).map((a) => a.name), ["echo"]);
    const wasm = await Deno.readFile(new URL("../../agents/dist/tiny.wasm", import.meta.url));
    const refused = await reader.callTool({
      name: "deploy_agent",
      arguments: { wasm_base64: btoa(String.fromCharCode(...wasm)), config: { name: "echo2" } },
    });
    assert.equal(refused.isError, true);
    const err = (refused.structuredContent as { error: { code: string; details: unknown } }).error;
    assert.equal(err.code, "FORBIDDEN");
    assert.deepEqual(err.details, {
      tool: "deploy_agent",
      action: "deploy",
      reason: "role",
      roles: ["reader"],
    });
    const notSent = await reader.callTool({
      name: "send_message",
      arguments: { message: { performative: "request", receiver: "echo", content: "x" } },
    });
    assert.equal(
      (notSent.structuredContent as { error: { code: string } }).error.code,
      "FORBIDDEN",
    );

    // The roles and scopes of the HTTP API, per tool: a sender sends, as a sender its token
    // allows (never the platform's agents or another name), but may not deploy; a deployer
    // scoped to team-a-* deploys only there.
    const errorOf = (r: Awaited<ReturnType<Client["callTool"]>>) =>
      (r.structuredContent as { error: { code: string; details: Record<string, unknown> } })
        .error;
    ok(
      await sender.callTool({
        name: "send_message",
        arguments: { message: { performative: "inform", receiver: "echo", content: "x" } },
      }),
    );
    for (
      const [forged, reason] of [["ams", "platform agent"], [
        "someone-else",
        "not allowed for this token",
      ]]
    ) {
      const r = await sender.callTool({
        name: "send_message",
        arguments: {
          message: { performative: "inform", sender: forged, receiver: "echo", content: "x" },
        },
      });
      assert.equal(r.isError, true, forged);
      assert.equal(errorOf(r).code, "FORBIDDEN");
      assert.equal(errorOf(r).details.sender, forged);
      assert.equal(errorOf(r).details.reason, reason);
    }
    const senderDeploy = await sender.callTool({
      name: "deploy_agent",
      arguments: { wasm_base64: btoa(String.fromCharCode(...wasm)), config: { name: "x" } },
    });
    assert.equal(errorOf(senderDeploy).details.reason, "role");
    const outOfScope = await scoped.callTool({
      name: "deploy_agent",
      arguments: { wasm_base64: btoa(String.fromCharCode(...wasm)), config: { name: "b-x" } },
    });
    assert.equal(errorOf(outOfScope).code, "FORBIDDEN");
    assert.equal(errorOf(outOfScope).details.reason, "scope");
    const stopOutOfScope = await scoped.callTool({ name: "stop_agent", arguments: { id: "echo" } });
    assert.equal(errorOf(stopOutOfScope).details.reason, "scope");

    // Resources: the platform, the agents; a subscribed agent's change is notified.
    const platform = await reader.readResource({ uri: "fipa://platform" });
    assert.equal(json(platform).name, "mcp-a");
    const resources = (await reader.listResources()).resources.map((r) => r.uri).sort();
    assert.deepEqual(resources, ["fipa://agents", "fipa://agents/echo", "fipa://platform"]);
    const echoView = await reader.readResource({ uri: "fipa://agents/echo" });
    assert.equal(json(echoView).status, "running");

    const updated = Promise.withResolvers<string>();
    reader.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      if (n.params.uri === "fipa://agents/echo") updated.resolve(n.params.uri);
    });
    await reader.subscribeResource({ uri: "fipa://agents/echo" });
    const stopped = ok(
      await admin.callTool({
        name: "stop_agent",
        arguments: { id: "echo", grace_period_seconds: 1 },
      }),
    );
    assert.equal(stopped.status, "stopped");
    assert.equal(await within(updated.promise, 10_000, "resources/updated"), "fipa://agents/echo");
    const after = await reader.readResource({ uri: "fipa://agents/echo" });
    assert.equal(json(after).status, "stopped");

    // run_contract_net: the Task API's contract net among two tiny bidders (prices 30, 70).
    const bidder = await Deno.readFile(
      new URL("../../agents/dist/tiny-bidder.wasm", import.meta.url),
    );
    for (const name of ["tb-30", "tb-70"]) {
      ok(
        await admin.callTool({
          name: "deploy_agent",
          arguments: { wasm_base64: btoa(String.fromCharCode(...bidder)), config: { name } },
        }),
      );
    }
    const net = ok(
      await admin.callTool({
        name: "run_contract_net",
        arguments: {
          task: { name: "paint", participants: ["tb-30", "tb-70"] },
          max_wait_seconds: 10,
          wait_for_result: true,
        },
      }),
    );
    assert.equal(net.status, "completed", JSON.stringify(net));
    assert.equal(net.assigned_to, "tb-30@mcp-a");
    const badTask = await admin.callTool({ name: "run_contract_net", arguments: { task: {} } });
    assert.equal(
      (badTask.structuredContent as { error: { code: string } }).error.code,
      "INVALID_REQUEST",
    );

    // deploy_agent with the admin token deploys.
    const deployed = ok(
      await admin.callTool({
        name: "deploy_agent",
        arguments: { wasm_base64: btoa(String.fromCharCode(...wasm)), config: { name: "echo2" } },
      }),
    );
    assert.equal(deployed.status, "running");
    assert.equal(deployed.full_name, "echo2@mcp-a");

    // The tools' deploys, stops and refusals are in the audit trail like the HTTP API's.
    const trail = await (await fetch(`${node.url}/api/v1/audit?limit=1000`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    })).json() as {
      records: { action: string; target: string; outcome: string; details: { via?: string } }[];
    };
    assert.deepEqual(
      trail.records.filter((r) => r.details.via === "mcp").map((r) => [
        r.action,
        r.target,
        r.outcome,
      ]),
      [
        ["agent.deploy", "echo2", "refused"],
        ["mcp.send_message", "send_message", "refused"],
        ["message.sender", "ams", "refused"],
        ["message.sender", "someone-else", "refused"],
        ["agent.deploy", "x", "refused"],
        ["agent.deploy", "b-x", "refused"],
        ["agent.stop", "echo", "refused"],
        ["agent.stop", "echo", "ok"],
        ["agent.deploy", "tb-30", "ok"],
        ["agent.deploy", "tb-70", "ok"],
        ["agent.deploy", "echo2", "ok"],
      ],
    );
  } finally {
    await admin.close();
    await reader.close();
    await sender.close();
    await scoped.close();
    await node.stop();
  }
});
