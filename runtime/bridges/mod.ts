/**
 * Bridges to the agent protocols of 2026 next to FIPA: the MCP server (`mcp/`, tools and
 * resources for language-model agents at `/mcp`) and the A2A gateway (`a2a/`, agent cards
 * and JSON-RPC endpoints for opted-in agents, and a route to A2A agents for FIPA agents).
 * @module
 */
import type { App } from "../http/env.ts";
import { type AuthOptions, requestRole } from "../http/auth.ts";
import { type McpDeps, mcpRoutes, McpSessions } from "./mcp/mod.ts";

/** What the bridges need: the services of the node and the API's tokens. */
export interface BridgeDeps extends McpDeps {
  auth: Pick<AuthOptions, "adminTokens" | "readTokens">;
}

/** The mounted bridges; {@link close} ends their open streams (before the server stops). */
export interface Bridges {
  mcp: McpSessions;
  close(): Promise<void>;
}

/** Mounts the MCP server (`/mcp`) on the node's app. */
export function mountBridges(app: App, deps: BridgeDeps): Bridges {
  const mcp = new McpSessions(deps, (req) => requestRole(req, deps.auth) ?? "read");
  mcpRoutes(app, mcp);
  return {
    mcp,
    close: () => mcp.close(),
  };
}
