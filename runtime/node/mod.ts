/**
 * Assembles and runs one node.
 * @module
 */
export { KV_FILE, type RunningNode, startNode } from "./node.ts";
