import type { Limits, Manifest } from "../sandbox/mod.ts";
import type { RestartStrategy } from "./restart.ts";

/** Lifecycle states of an agent on its node (the Caxton states plus hibernation). */
export const AGENT_STATES = [
  "unloaded",
  "loaded",
  "running",
  "draining",
  "stopped",
  "failed",
  "hibernated",
] as const;

/** One lifecycle state. */
export type AgentState = typeof AGENT_STATES[number];

/** What a node persists about each agent it owns (Deno KV, `["agents", name]`). */
export interface AgentRecord {
  agent_id: string;
  name: string;
  version: string;
  /** SHA-256 of the component. */
  hash: string;
  manifest: Manifest;
  limits: Limits;
  restart: RestartStrategy;
  hibernate_after_seconds?: number;
  /** The state the node should bring it back to after a restart. */
  state: AgentState;
  deployed_at: string;
  updated_at: string;
  deployment_id: string;
  failure?: { reason: string; message: string; at: string };
}

/** Counters of one agent since it was activated on this node. */
export interface AgentCounters {
  messages_processed: number;
  messages_failed: number;
  /** Sum of handling times, ms, for the average. */
  total_latency_ms: number;
  restarts: number;
  activated_at?: number;
  last_message_at?: number;
}

/** A fresh agent id: `agent_` and 96 random bits. */
export function newAgentId(): string {
  const b = crypto.getRandomValues(new Uint8Array(12));
  return `agent_${Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")}`;
}
