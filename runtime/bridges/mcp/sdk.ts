/**
 * The parts of `@modelcontextprotocol/sdk` the MCP server uses. The package's `exports`
 * map its `.js` subpaths to `*.js.d.ts` types that do not exist, so each import names its
 * types explicitly (`@ts-types`); the rest of the folder imports from here.
 * @module
 */
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
export { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
// @ts-types="@modelcontextprotocol/sdk/server/webStandardStreamableHttp"
export { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/types"
export {
  type CallToolResult,
  isInitializeRequest,
  type ReadResourceResult,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
