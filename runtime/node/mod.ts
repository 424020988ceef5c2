/**
 * Assembles and runs one node.
 * @module
 */
export { KV_FILE, type RunningNode, startNode } from "./node.ts";
export {
  deploySampleAgents,
  isFreshDataDir,
  SAMPLE_ECHO_NAME,
  SAMPLE_ECHO_WASM,
  wantsSampleAgents,
} from "./sample-agents.ts";
