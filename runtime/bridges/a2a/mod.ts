/**
 * The A2A gateway (`@a2a-js/sdk`): agents whose manifest opts in (`a2a: { skills }`) get an
 * agent card and a JSON-RPC endpoint, and are listed on the platform's card; A2A tasks map to
 * FIPA conversations. In the other direction, {@link a2aRoute} lets FIPA agents address A2A
 * agents by `a2a+http(s)://` addresses.
 * @module
 */
export {
  A2A_PREFIX,
  agentCard,
  type CardContext,
  type OptedInAgent,
  platformCard,
} from "./cards.ts";
export { A2A_TASK_TIMEOUT_MS, type A2aTarget, FipaExecutor } from "./executor.ts";
export { A2aGateway, type A2aGatewayDeps, requestedSkill } from "./gateway.ts";
export { a2aJsonRpc } from "./jsonrpc.ts";
export {
  contentToParts,
  partsToContent,
  replyPerformative,
  stateName,
  taskStep,
} from "./mapping.ts";
export { a2aRoutes } from "./routes.ts";
export { a2aAddress, a2aRequest, fipaReply } from "./outbound.ts";
export { a2aRoute } from "./route.ts";
export { A2A_TASKS_PER_GENERATION, BoundedTaskStore } from "./task-store.ts";
