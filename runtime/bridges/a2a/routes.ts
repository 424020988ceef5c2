import { z } from "zod";
import { ApiError } from "../../errors/mod.ts";
import type { Context } from "hono";
import { authorize } from "../../http/access.ts";
import type { App, AppEnv } from "../../http/env.ts";
import { defineRoute } from "../../http/route.ts";
import { errorResponses } from "../../http/schemas.ts";
import { A2A_PREFIX } from "./cards.ts";
import { type A2aGateway, requestedSkill } from "./gateway.ts";
import { a2aJsonRpc, invalidParams, parseError } from "./jsonrpc.ts";

const AnyJson = z.record(z.string(), z.unknown());
const AgentParam = z.object({ agent: z.string().min(1).max(1024) });

/** The JSON-RPC methods that start a task: the skill is checked before the SDK sees them. */
const SENDS = new Set(["SendMessage", "SendStreamingMessage"]);

/** The part of a JSON-RPC request the gateway reads itself: method, id, metadata. */
const RpcHead = z.object({
  jsonrpc: z.literal("2.0"),
  id: z.union([z.string(), z.number(), z.null()]).optional(),
  method: z.string().max(128),
  params: z.object({
    message: z.object({ metadata: z.record(z.string(), z.unknown()).optional() }).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }).passthrough().optional(),
}).passthrough();

/**
 * Mounts the A2A gateway: the platform's card at `/.well-known/agent-card.json` and its
 * JSON-RPC endpoint at `/a2a`; each opted-in agent's card at
 * `/a2a/{agent}/.well-known/agent-card.json` and endpoint at `/a2a/{agent}`.
 */
export function a2aRoutes(app: App, gateway: A2aGateway): void {
  const origin = (url: string) => new URL(url).origin;
  const card = {
    200: {
      description: "The agent card (A2A 1.0)",
      content: { "application/json": { schema: AnyJson } },
    },
  };
  defineRoute(
    app,
    {
      method: "get",
      path: "/.well-known/agent-card.json",
      summary: "A2A: the platform's agent card (the skills of every opted-in agent)",
      responses: card,
    },
    (c) => c.json(gateway.platformCardJson(origin(c.req.url)) as Record<string, unknown>),
  );
  defineRoute(
    app,
    {
      method: "get",
      path: `${A2A_PREFIX}/{agent}/.well-known/agent-card.json`,
      summary: "A2A: the agent card of an agent whose manifest opts in (a2a.skills)",
      request: { params: AgentParam },
      responses: { ...card, ...errorResponses(404) },
    },
    (c) =>
      c.json(
        gateway.agentCardJson(origin(c.req.url), c.req.valid("param").agent) as Record<
          string,
          unknown
        >,
      ),
  );

  const rpc = async (
    c: Context<AppEnv>,
    req: Request,
    agent: string | undefined,
  ): Promise<Response> => {
    let body: unknown;
    try {
      body = JSON.parse(await req.text());
    } catch (e) {
      return parseError(`The body is not JSON: ${(e as Error).message}`);
    }
    const head = RpcHead.safeParse(body);
    if (head.success && SENDS.has(head.data.method)) {
      const p = head.data.params;
      const skill = requestedSkill([p?.message?.metadata, p?.metadata]);
      // The platform's endpoint names the agent in the body (`<agent>/<skill>`): the caller's
      // send scopes must cover it, checked before the skill is looked up (an agent's own
      // endpoint was checked by its row in the access table).
      if (agent === undefined && skill !== undefined) authorize(c, "send", skill.split("/")[0]);
      try {
        gateway.target(agent, skill);
      } catch (e) {
        if (e instanceof ApiError && e.code === "INVALID_REQUEST") {
          return invalidParams(head.data.id, e.message);
        }
        throw e;
      }
    }
    return await a2aJsonRpc(gateway.endpoint(origin(req.url), agent), body, req.headers);
  };
  const rpcSpec = (path: string, summary: string) => ({
    method: "post" as const,
    path,
    summary,
    description: "JSON-RPC 2.0 (A2A 1.0): SendMessage, SendStreamingMessage (SSE), GetTask, " +
      "CancelTask. A message becomes the skill's FIPA performative (default request) in a " +
      "conversation whose id is the task id; agree → working, inform → completed (the " +
      "content as an artifact), failure → failed, refuse/not-understood → rejected.",
    request: {
      body: { required: true, content: { "application/json": { schema: AnyJson } } },
    },
    responses: {
      200: { description: "A JSON-RPC response, or an SSE stream of them" },
      ...errorResponses(401, 403, 404),
    },
  });
  defineRoute(
    app,
    rpcSpec(A2A_PREFIX, "A2A: the platform's JSON-RPC endpoint (metadata.skill = <agent>/<skill>)"),
    (c) => rpc(c, c.req.raw, undefined),
  );
  defineRoute(
    app,
    {
      ...rpcSpec(`${A2A_PREFIX}/{agent}`, "A2A: an opted-in agent's JSON-RPC endpoint"),
      request: { ...rpcSpec("", "").request, params: AgentParam },
    },
    (c) => rpc(c, c.req.raw, c.req.valid("param").agent),
  );
}
