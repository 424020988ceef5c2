import type { Limits, Manifest } from "../sandbox/mod.ts";
import { interned, LIFECYCLE_STATES, type LifecycleState } from "../directory/mod.ts";
import type { RestartStrategy } from "./restart.ts";

/**
 * Lifecycle states of an agent on its node: the directory's lifecycle states (one list, in
 * `directory/agent-record.ts`) except `migrating`, which only the cluster's view of an agent
 * has (a node's own agent is paused and holding while it moves, not in a state of its own).
 */
export const AGENT_STATES = LIFECYCLE_STATES.filter((s): s is AgentState =>
  s !== "migrating"
) as unknown as readonly [AgentState, ...AgentState[]];

/** One lifecycle state of an agent on its node. */
export type AgentState = Exclude<LifecycleState, "migrating">;

/** What a node persists about each agent it owns (Deno KV, `["agents", name]`). */
export interface AgentRecord {
  agent_id: string;
  name: string;
  version: string;
  /** SHA-256 of the component. */
  hash: string;
  /** Key id of the trusted publisher whose signature the component carried, if any. */
  publisher_key_id?: string;
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
  /**
   * Deployed asleep (`"start": "on-message"`) and never activated since: the agent has no
   * checkpoint, snapshot or storage, so its first activation starts it fresh without
   * reading them. The activation drops it from the record in memory and writes the record
   * without it; the agent's first checkpoint commits only once that write is durable (see
   * `Instances.activate`), so a stored record keeps it only while nothing of the agent is.
   */
  never_started?: true;
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

/**
 * `record` with the parts many agents of one component repeat (manifest, limits, restart
 * strategy, component hash) shared, frozen, with the other records that repeat them: what a
 * node keeps of each of 100,000 agents of one component is then mostly its name and times.
 */
export function withSharedParts(record: AgentRecord): AgentRecord {
  return {
    ...record,
    hash: interned.string(record.hash),
    manifest: interned.object(record.manifest),
    limits: interned.object(record.limits),
    restart: interned.object(record.restart),
  };
}
