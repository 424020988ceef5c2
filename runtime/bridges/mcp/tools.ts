import type { CallToolResult, McpServer } from "./sdk.ts";
import { z } from "zod";
import { parseAclJson } from "../../acl/mod.ts";
import { AGENT_STATES, DeployConfigSchema } from "../../agents/mod.ts";
import { ApiError } from "../../errors/mod.ts";
import { requireReceivers } from "../../http/acl-body.ts";
import { parseField } from "../../http/json-body.ts";
import { sendAndWait, sendMessage } from "../../http/send.ts";
import { findServices, ServicesQuery } from "../../http/services-query.ts";
import { checkAgentBounds } from "../../sandbox/mod.ts";
import { CreateTaskSchema, DistributeSchema } from "../../tasks/mod.ts";
import type { McpDeps } from "./deps.ts";
import { toolError, toolResult } from "./tool-result.ts";

/** The role a call runs with: what the caller's token grants (`admin` when the API is open). */
export type CallRole = "admin" | "read";

/** The tools every caller sees; those marked `admin` refuse read-only tokens (`FORBIDDEN`). */
export const MCP_TOOLS = [
  "send_message",
  "send_and_wait",
  "search_services",
  "list_agents",
  "get_agent",
  "get_conversation",
  "run_contract_net",
  "deploy_agent",
  "stop_agent",
] as const;

const AclInput = z.record(z.string(), z.unknown()).describe(
  "An ACL message in the JSON form of POST /api/v1/messages: performative, sender, " +
    'receivers (names such as "echo" or identifiers), content, conversation_id, protocol, ...',
);

function refuseRead(tool: string, role: CallRole): void {
  if (role === "admin") return;
  throw new ApiError("FORBIDDEN", `A read-only token may not call the tool '${tool}'`, {
    tool,
    role,
  });
}

function unavailable(what: string): ApiError {
  return new ApiError("UNAVAILABLE", `${what} is not available on this node`);
}

/**
 * Registers the platform's tools on one MCP session's server. Each tool calls the function
 * the matching HTTP route calls, and answers the same JSON; a failure is a tool error in the
 * API's error shape. `role` gives the role of the call's token.
 */
export function registerTools(
  server: McpServer,
  deps: McpDeps,
  role: (extra: { authInfo?: { scopes: string[] } }) => CallRole,
): void {
  const run = (
    name: string,
    needsAdmin: boolean,
    body: () => Promise<Record<string, unknown>> | Record<string, unknown>,
    extra: { authInfo?: { scopes: string[] } },
  ): Promise<CallToolResult> =>
    (async () => {
      if (needsAdmin) refuseRead(name, role(extra));
      return toolResult(await body());
    })().catch((e) => toolError(e));

  server.registerTool("send_message", {
    description: "Send a FIPA ACL message (at most once by default). Needs an admin token.",
    inputSchema: {
      message: AclInput,
      delivery: z.enum(["at-most-once", "at-least-once"]).optional(),
    },
    annotations: { destructiveHint: false, openWorldHint: true },
  }, (a, extra) =>
    run("send_message", true, async () => {
      const message = parseAclJson(a.message);
      requireReceivers(message, "json");
      return { ...await sendMessage(deps, message, { delivery: a.delivery }) };
    }, extra));

  server.registerTool("send_and_wait", {
    description: "Send a FIPA ACL message and wait for the reply (an agree, or with " +
      "wait_for=final the inform/failure after it). Needs an admin token.",
    inputSchema: {
      message: AclInput,
      timeout_ms: z.number().int().min(1).max(300_000).optional(),
      wait_for: z.enum(["first", "final"]).default("first"),
    },
    annotations: { destructiveHint: false, openWorldHint: true },
  }, (a, extra) =>
    run("send_and_wait", true, async () => {
      const message = parseAclJson(a.message);
      requireReceivers(message, "json");
      const { replyMessage: _, ...answer } = await sendAndWait(deps.waiters, message, {
        timeoutMs: a.timeout_ms,
        waitFor: a.wait_for,
      });
      return answer;
    }, extra));

  server.registerTool("search_services", {
    description: "Search the directory facilitator (DF) for services: by name, type, " +
      "protocol, ontology, language or agent (FIPA template matching).",
    inputSchema: ServicesQuery,
    annotations: { readOnlyHint: true },
  }, (q, extra) =>
    run("search_services", false, async () => {
      if (!deps.cluster) throw unavailable("The directory");
      if (q.consistent === "true") await deps.cluster.linearizableRead();
      return findServices(
        deps.cluster.machine.state,
        q,
        (n) => deps.router.localName(n) ?? n,
      );
    }, extra));

  server.registerTool("list_agents", {
    description: "List the agents of this node with their state and counters.",
    inputSchema: {
      status: z.enum(AGENT_STATES).optional(),
      limit: z.number().int().min(1).max(1000).default(100),
      offset: z.number().int().min(0).default(0),
    },
    annotations: { readOnlyHint: true },
  }, (q, extra) =>
    run("list_agents", false, () => {
      if (!deps.agents) throw unavailable("Agent lifecycle");
      return deps.agents.list(q);
    }, extra));

  server.registerTool("get_agent", {
    description: "One agent (by agent id, name or name@platform), with its manifest and counters.",
    inputSchema: { id: z.string().min(1).max(1024) },
    annotations: { readOnlyHint: true },
  }, (a, extra) =>
    run("get_agent", false, () => {
      if (!deps.agents) throw unavailable("Agent lifecycle");
      return { ...deps.agents.get(a.id) };
    }, extra));

  server.registerTool("get_conversation", {
    description: "A conversation as the agents of this node see it: protocol, state, " +
      "participants and the message trail.",
    inputSchema: { id: z.string().min(1).max(1024) },
    annotations: { readOnlyHint: true },
  }, (a, extra) =>
    run("get_conversation", false, () => {
      if (!deps.conversations) throw unavailable("Conversation tracking");
      return { ...deps.conversations.requireView(a.id) };
    }, extra));

  server.registerTool("run_contract_net", {
    description: "Create a task and distribute it with the FIPA Contract Net protocol (the " +
      "Task API): cfp to the participants (or every provider of a DF service), award the " +
      "best bid. Needs an admin token.",
    inputSchema: {
      task: z.record(z.string(), z.unknown()).describe(
        "As POST /api/v1/tasks: name, participants or requirements.service_type, data, ...",
      ),
      strategy: DistributeSchema.shape.strategy,
      max_wait_seconds: DistributeSchema.shape.max_wait_seconds,
      wait_for_result: DistributeSchema.shape.wait_for_result,
    },
    annotations: { destructiveHint: false, openWorldHint: true },
  }, (a, extra) =>
    run("run_contract_net", true, async () => {
      if (!deps.tasks) throw unavailable("The Task API");
      const t = deps.tasks.create(parseField(CreateTaskSchema, a.task, "task"));
      const { task: _, ...opts } = a;
      return { ...await deps.tasks.distribute(t.task_id, opts) };
    }, extra));

  server.registerTool("deploy_agent", {
    description: "Deploy an agent: a WebAssembly component (base64) and its config (name, " +
      "version, manifest, limits, restart). Needs an admin token.",
    inputSchema: {
      wasm_base64: z.base64().describe("the component; the request must fit the body limit"),
      config: z.record(z.string(), z.unknown()),
    },
    annotations: { destructiveHint: false },
  }, (a, extra) =>
    run("deploy_agent", true, async () => {
      if (!deps.agents) throw unavailable("Agent lifecycle");
      const cfg = parseField(DeployConfigSchema, a.config, "config");
      checkAgentBounds(cfg, deps.agents.deps.sandbox.bounds);
      const bytes = Uint8Array.from(atob(a.wasm_base64), (ch) => ch.charCodeAt(0));
      return { ...await deps.agents.deploy(bytes, cfg) };
    }, extra));

  server.registerTool("stop_agent", {
    description: "Stop an agent: drain its mailbox within the grace period, then shut it " +
      "down. Needs an admin token.",
    inputSchema: {
      id: z.string().min(1).max(1024),
      grace_period_seconds: z.number().min(0).max(3600).default(30),
      drain_messages: z.boolean().default(true),
    },
    annotations: { destructiveHint: true },
  }, (a, extra) =>
    run("stop_agent", true, async () => {
      if (!deps.agents) throw unavailable("Agent lifecycle");
      return {
        ...await deps.agents.stop(a.id, {
          graceSeconds: a.grace_period_seconds,
          drain: a.drain_messages,
        }),
      };
    }, extra));
}
