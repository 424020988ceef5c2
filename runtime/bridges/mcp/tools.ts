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
import { directoryReader } from "../../directory/mod.ts";
import { CreateTaskSchema, DistributeSchema } from "../../tasks/mod.ts";
import type { McpDeps } from "./deps.ts";
import type { AclMessage } from "../../acl/mod.ts";
import { type Action, permits, type Principal } from "../../security/mod.ts";
import type { AuditOutcome } from "../../audit/mod.ts";
import { requireSender } from "../../http/sender-guard.ts";
import { checkSignature } from "../../http/routes/agents.ts";
import { toolError, toolResult } from "./tool-result.ts";

/** Who makes a tool call: the principal of the call's token (open when no token is set). */
export type CallPrincipal = (
  extra: { authInfo?: { extra?: Record<string, unknown> } },
) => Principal;

/**
 * The tools every caller sees; each checks the action it needs with the caller's roles and
 * scopes, as the matching HTTP route does (`FORBIDDEN` otherwise): the send tools `send` (with
 * `send` scopes covering every receiver, and only a sender the token allows), `deploy_agent`
 * and `stop_agent` `deploy` (scoped to the agent), the others `read`.
 */
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

/** Throws `403 FORBIDDEN` naming the tool unless `p` may do `action` (to `target`). */
function allow(tool: string, p: Principal, action: Action, target?: string): void {
  const d = permits(p, action, target);
  if (d.ok) return;
  throw new ApiError("FORBIDDEN", `Tool '${tool}': ${d.message}`, {
    tool,
    action,
    ...(target === undefined ? {} : { target }),
    reason: d.reason,
    roles: p.roles,
  });
}

/** The checks of a message from a tool: `send` to every receiver, a sender the token allows. */
function mayWrite(
  tool: string,
  p: Principal,
  message: AclMessage,
  isHosted: (name: string) => boolean,
): void {
  for (const r of message.receivers ?? []) allow(tool, p, "send", r.name);
  requireSender(p, message, isHosted);
}

function unavailable(what: string): ApiError {
  return new ApiError("UNAVAILABLE", `${what} is not available on this node`);
}

/**
 * Registers the platform's tools on one MCP session's server. Each tool calls the function
 * the matching HTTP route calls, and answers the same JSON; a failure is a tool error in the
 * API's error shape. `principal` gives who makes the call (its token's roles and scopes).
 */
export function registerTools(server: McpServer, deps: McpDeps, principal: CallPrincipal): void {
  const isHosted = deps.isHosted ?? (() => false);
  const run = (
    name: string,
    action: Action,
    body: (p: Principal) => Promise<Record<string, unknown>> | Record<string, unknown>,
    extra: { authInfo?: { extra?: Record<string, unknown> } },
    audited?: { action: string; target: string },
  ): Promise<CallToolResult> =>
    (async () => {
      const p = principal(extra);
      try {
        allow(name, p, action);
        const r = await body(p);
        if (audited) await record(p, name, audited.action, audited.target, "ok");
        return toolResult(r);
      } catch (e) {
        await recordFailure(p, name, e, audited);
        throw e;
      }
    })().catch((e) => toolError(e));

  /** An audit record of a tool call (the HTTP routes' records, with `via: mcp`). */
  const record = async (
    p: Principal,
    tool: string,
    action: string,
    target: string,
    outcome: AuditOutcome,
    details: Record<string, string | number | boolean> = {},
  ) => {
    await deps.audit?.append({
      actor: p.subject,
      action,
      target,
      outcome,
      details: { via: "mcp", tool, ...details },
    });
  };
  /** Audited tools record every failure; the others their refusals (`403`), as HTTP does. */
  const recordFailure = async (
    p: Principal,
    tool: string,
    e: unknown,
    audited: { action: string; target: string } | undefined,
  ) => {
    const err = e instanceof ApiError ? e : undefined;
    const refused = err?.status === 403 || err?.code === "INVALID_SIGNATURE";
    if (!audited && err?.status !== 403) return;
    const sender = typeof err?.details.sender === "string" ? err.details.sender : undefined;
    const reason = typeof err?.details.reason === "string" ? err.details.reason : undefined;
    await record(
      p,
      tool,
      audited?.action ?? (sender !== undefined ? "message.sender" : `mcp.${tool}`),
      sender ?? audited?.target ?? tool,
      refused ? "refused" : "failed",
      { ...(err ? { code: err.code } : {}), ...(reason ? { reason } : {}) },
    );
  };

  server.registerTool("send_message", {
    description: "Send a FIPA ACL message (at most once by default). Needs the sender role.",
    inputSchema: {
      message: AclInput,
      delivery: z.enum(["at-most-once", "at-least-once"]).optional(),
    },
    annotations: { destructiveHint: false, openWorldHint: true },
  }, (a, extra) =>
    run("send_message", "send", async (p) => {
      const message = parseAclJson(a.message);
      requireReceivers(message, "json");
      mayWrite("send_message", p, message, isHosted);
      return { ...await sendMessage(deps, message, { delivery: a.delivery }) };
    }, extra));

  server.registerTool("send_and_wait", {
    description: "Send a FIPA ACL message and wait for the reply (an agree, or with " +
      "wait_for=final the inform/failure after it). Needs the sender role.",
    inputSchema: {
      message: AclInput,
      timeout_ms: z.number().int().min(1).max(300_000).optional(),
      wait_for: z.enum(["first", "final"]).default("first"),
    },
    annotations: { destructiveHint: false, openWorldHint: true },
  }, (a, extra) =>
    run("send_and_wait", "send", async (p) => {
      const message = parseAclJson(a.message);
      requireReceivers(message, "json");
      mayWrite("send_and_wait", p, message, isHosted);
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
    run("search_services", "read", async () => {
      if (!deps.cluster) throw unavailable("The directory");
      if (q.consistent === "true") await deps.cluster.linearizableRead();
      const directory = directoryReader(deps.cluster.machine.state, {
        localName: (n) => deps.router.localName(n),
      });
      return findServices(directory, q, new Date().toISOString());
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
    run("list_agents", "read", (p) => {
      if (!deps.agents) throw unavailable("Agent lifecycle");
      const narrowed = p.scopes.some((s) => s.kind === "read");
      return deps.agents.list({
        ...q,
        ...(narrowed ? { visible: (name: string) => permits(p, "read", name).ok } : {}),
      });
    }, extra));

  server.registerTool("get_agent", {
    description: "One agent (by agent id, name or name@platform), with its manifest and counters.",
    inputSchema: { id: z.string().min(1).max(1024) },
    annotations: { readOnlyHint: true },
  }, (a, extra) =>
    run("get_agent", "read", (p) => {
      if (!deps.agents) throw unavailable("Agent lifecycle");
      const agent = deps.agents.get(a.id);
      allow("get_agent", p, "read", agent.name);
      return { ...agent };
    }, extra));

  server.registerTool("get_conversation", {
    description: "A conversation as the agents of this node see it: protocol, state, " +
      "participants and the message trail.",
    inputSchema: { id: z.string().min(1).max(1024) },
    annotations: { readOnlyHint: true },
  }, (a, extra) =>
    run("get_conversation", "read", () => {
      if (!deps.conversations) throw unavailable("Conversation tracking");
      return { ...deps.conversations.requireView(a.id) };
    }, extra));

  server.registerTool("run_contract_net", {
    description: "Create a task and distribute it with the FIPA Contract Net protocol (the " +
      "Task API): cfp to the participants (or every provider of a DF service), award the " +
      "best bid. Needs the sender role.",
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
    run("run_contract_net", "send", async () => {
      if (!deps.tasks) throw unavailable("The Task API");
      const t = deps.tasks.create(parseField(CreateTaskSchema, a.task, "task"));
      const { task: _, ...opts } = a;
      return { ...await deps.tasks.distribute(t.task_id, opts) };
    }, extra));

  server.registerTool("deploy_agent", {
    description: "Deploy an agent: a WebAssembly component (base64) and its config (name, " +
      "version, manifest, limits, restart), optionally signed. Needs the deployer role.",
    inputSchema: {
      wasm_base64: z.base64().describe("the component; the request must fit the body limit"),
      config: z.record(z.string(), z.unknown()),
      signature: z.string().max(4096).optional().describe(
        "detached Ed25519 signature (base64) over the component's SHA-256 (cli sign)",
      ),
      key_id: z.string().max(4096).optional().describe("the signer's key id (ed25519:...)"),
    },
    annotations: { destructiveHint: false },
  }, (a, extra) =>
    run(
      "deploy_agent",
      "deploy",
      async (p) => {
        if (!deps.agents) throw unavailable("Agent lifecycle");
        const cfg = parseField(DeployConfigSchema, a.config, "config");
        allow("deploy_agent", p, "deploy", cfg.name);
        checkAgentBounds(cfg, deps.agents.deps.sandbox.bounds);
        const bytes = Uint8Array.from(atob(a.wasm_base64), (ch) => ch.charCodeAt(0));
        const publisherKeyId = await checkSignature(deps.publishers, {
          bytes,
          signature: a.signature,
          keyId: a.key_id,
        });
        return { ...await deps.agents.deploy(bytes, cfg, { publisherKeyId }) };
      },
      extra,
      { action: "agent.deploy", target: String(a.config.name ?? "") },
    ));

  server.registerTool("stop_agent", {
    description: "Stop an agent: drain its mailbox within the grace period, then shut it " +
      "down. Needs the deployer role.",
    inputSchema: {
      id: z.string().min(1).max(1024),
      grace_period_seconds: z.number().min(0).max(3600).default(30),
      drain_messages: z.boolean().default(true),
    },
    annotations: { destructiveHint: true },
  }, (a, extra) =>
    run(
      "stop_agent",
      "deploy",
      async (p) => {
        if (!deps.agents) throw unavailable("Agent lifecycle");
        allow("stop_agent", p, "deploy", deps.agents.get(a.id).name);
        return {
          ...await deps.agents.stop(a.id, {
            graceSeconds: a.grace_period_seconds,
            drain: a.drain_messages,
          }),
        };
      },
      extra,
      { action: "agent.stop", target: a.id },
    ));
}
