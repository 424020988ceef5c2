/**
 * The agent SDK: typed bindings of the `fipa:agent` world (0.1.0 and 0.2.0) for agents written in
 * TypeScript and built with ComponentizeJS (`deno task build-agents`).
 *
 * @example
 * ```ts
 * import { contentText, defineAgent, text } from "../../sdk/mod.ts";
 *
 * export default defineAgent({
 *   handleMessage(msg, cx) {
 *     if (msg.performative !== "request") return false;
 *     cx.reply(msg, "inform", text(`you said ${contentText(msg)}`));
 *     return true;
 *   },
 * });
 * ```
 * @module
 */
export type {
  AclMessage,
  AgentId,
  Content,
  HttpRequestRecord,
  HttpResponseRecord,
  LogLevel,
  NodeInfo,
  Performative,
  WorldExports,
  WorldImports,
} from "./types.ts";
export {
  type Agent,
  type AgentContext,
  type AgentFilesApi,
  agentId,
  bindAgent,
  contentJson,
  contentText,
  context,
  defineAgent,
  errorText,
  type FetchInit,
  type FetchResult,
  type Json,
  json,
  type OutgoingMessage,
  text,
} from "./agent.ts";
