/**
 * Bridges to the agent protocols of 2026 next to FIPA: the MCP server (`mcp/`, tools and
 * resources for language-model agents at `/mcp`) and the A2A gateway (`a2a/`, agent cards
 * and JSON-RPC endpoints for opted-in agents, and a route to A2A agents for FIPA agents).
 * @module
 */
import type { App } from "../http/env.ts";
import type { Logger } from "../log/mod.ts";
import { A2aGateway, a2aRoutes } from "./a2a/mod.ts";

export { a2aRoute } from "./a2a/mod.ts";
import { type McpDeps, mcpRoutes, McpSessions } from "./mcp/mod.ts";

/** What the bridges need: the services of the node and whether the API needs tokens. */
export interface BridgeDeps extends McpDeps {
  /** Tokens are configured (static or JWT): A2A cards declare the bearer scheme. */
  secured: boolean;
  log: Logger;
  /** The node's public URL for the A2A cards; each request's origin when omitted. */
  publicUrl?: string;
}

/** The mounted bridges; {@link close} ends their open streams (before the server stops). */
export interface Bridges {
  mcp: McpSessions;
  /** The A2A gateway (with agent lifecycle only). */
  a2a?: A2aGateway;
  close(): Promise<void>;
}

/**
 * Mounts the MCP server (`/mcp`) and, with agent lifecycle, the A2A gateway
 * (`/.well-known/agent-card.json`, `/a2a/...`) on the node's app.
 */
export function mountBridges(app: App, deps: BridgeDeps): Bridges {
  const mcp = new McpSessions(deps);
  mcpRoutes(app, mcp);
  let a2a: A2aGateway | undefined;
  if (deps.agents) {
    a2a = new A2aGateway({
      router: deps.router,
      node: deps.node,
      log: deps.log.child({ component: "a2a" }),
      agents: deps.agents,
      secured: deps.secured,
      publicUrl: deps.publicUrl,
    });
    a2aRoutes(app, a2a);
  }
  return {
    mcp,
    a2a,
    close: () => mcp.close(),
  };
}
