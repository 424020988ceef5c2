/**
 * The MCP server of a node: the platform's tools (send, send-and-wait, DF search, agents,
 * conversations, contract net, deploy and stop) and resources (platform, agents,
 * conversations, with change notifications from the event bus) for language-model agents,
 * over the MCP Streamable HTTP transport at `/mcp`.
 * @module
 */
export type { McpDeps } from "./deps.ts";
export { MAX_MCP_SESSIONS, McpSessions } from "./sessions.ts";
export { MCP_PATH, mcpRoutes } from "./routes.ts";
export { type CallPrincipal, MCP_TOOLS, registerTools } from "./tools.ts";
export {
  AGENTS_URI,
  agentUri,
  conversationUri,
  PLATFORM_URI,
  registerResources,
  type ResourceChanges,
  resourceChanges,
} from "./resources.ts";
export { toolError, toolResult } from "./tool-result.ts";
