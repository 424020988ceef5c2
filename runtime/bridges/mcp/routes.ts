import { z } from "zod";
import type { Context } from "hono";
import { principalOf } from "../../http/access.ts";
import type { App, AppEnv } from "../../http/env.ts";
import { OPEN_PRINCIPAL } from "../../security/mod.ts";
import { defineRoute } from "../../http/route.ts";
import { errorResponses } from "../../http/schemas.ts";
import type { McpSessions } from "./sessions.ts";

/** Where the MCP server is mounted. */
export const MCP_PATH = "/mcp";

/**
 * Mounts the MCP Streamable HTTP endpoint: `POST /mcp` (JSON-RPC requests, answered as JSON
 * or an SSE stream), `GET /mcp` (the session's notification stream), `DELETE /mcp` (ends the
 * session). Any token may open a session; each tool checks the role of the call's token.
 */
export function mcpRoutes(app: App, sessions: McpSessions): void {
  // No principal: a request that passed no authentication has no rights (never open).
  const handle = (c: Context<AppEnv>) =>
    sessions.handle(c.req.raw, principalOf(c) ?? { ...OPEN_PRINCIPAL, via: "static", roles: [] });
  defineRoute(
    app,
    {
      method: "post",
      path: MCP_PATH,
      summary: "Model Context Protocol server (Streamable HTTP transport)",
      description:
        "JSON-RPC 2.0 per the MCP specification: initialize opens a session (Mcp-Session-Id); " +
        "tools send_message, send_and_wait, search_services, list_agents, get_agent, " +
        "get_conversation, run_contract_net, deploy_agent, stop_agent; resources " +
        "fipa://platform, fipa://agents, fipa://agents/{name}, fipa://conversations/{id}.",
      request: {
        body: {
          required: true,
          content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
        },
      },
      responses: {
        200: { description: "A JSON-RPC response, or an SSE stream of them" },
        202: { description: "A notification or response was accepted" },
        ...errorResponses(400, 401, 403, 404, 413),
      },
    },
    handle,
  );
  app.get(MCP_PATH, handle);
  app.delete(MCP_PATH, handle);
}
