import type { AclMessage, AgentIdentifier } from "../acl/mod.ts";
import type { FailureReason, LogLevel } from "./protocol.ts";

export type { FailureReason, LogLevel };

/** A node of the cluster as `list-nodes` reports it. */
export interface NodeInfo {
  id: string;
  /** 0 (idle) to 1 (saturated). */
  load: number;
  latency_ms: number;
  available_memory: number;
}

/** Why an agent stopped working. */
export interface AgentFailureInfo {
  agentId: string;
  reason: FailureReason;
  message: string;
}

/**
 * What the node (the lifecycle layer) provides to one agent. Only `onSend` is required.
 * Callbacks run on the main thread after the agent's call completed, in the order the
 * agent made them; returned promises are awaited before the delivery resolves, so a
 * resolved delivery means its effects were accepted (e.g. storage written).
 */
export interface HostCallbacks {
  /** A message the agent sent (already checked against its manifest; sender is the agent). */
  onSend(message: AclMessage, meta: { messageId: string }): void | Promise<void>;
  /** Persistent storage of this agent, backed by the node. */
  storage?: {
    set(key: string, value: Uint8Array): void | Promise<void>;
    delete(key: string): void | Promise<void>;
  };
  /** The agent asked to migrate (after its current call). */
  onMigrate?(nodeId: string): void | Promise<void>;
  /**
   * A host function refused what the agent's grants do not allow (`net`: a host, `files`:
   * a path); the agent got an error value. For the node's log and metrics.
   */
  onRefused?(refusal: { kind: "net" | "files"; target: string; message: string }): void;
  /** A log line of the agent (`logging.log`, stdout as info, stderr as warn). */
  onLog?(level: LogLevel, message: string): void;
  /** Providers of a service (directory facilitator). Synchronous for the agent. */
  findAgentsByService?(service: string): AgentIdentifier[] | Promise<AgentIdentifier[]>;
  /** The cluster's nodes. */
  listNodes?(): NodeInfo[] | Promise<NodeInfo[]>;
  /** Whether an agent lives on this node (for `network: "local"`). */
  isLocalAgent?(name: string): boolean | Promise<boolean>;
  /** The node an agent lives on (for `node:<id>` entries of a network list). */
  nodeOf?(name: string): string | undefined | Promise<string | undefined>;
  /** The agent failed (trap, cpu-limit, memory-limit, exit, watchdog); it is gone. */
  onFailed?(failure: AgentFailureInfo): void;
  /**
   * The agent's Worker was stopped because a neighbour hung; the agent was re-activated
   * in another Worker from its last snapshot (or fresh, with `init`, when it had none) and
   * its unanswered calls were sent again. Only for hosts without {@link onWorkerLost}.
   */
  onRestarted?(info: { agentId: string; fromSnapshot: boolean }): void;
  /**
   * The agent's Worker was stopped because a neighbour hung. With this callback the sandbox
   * does not re-activate the agent itself: the handle ends (`terminated`), its unanswered
   * calls reject with `workerLostError` (`AGENT_UNAVAILABLE`, `details.reason`
   * `"worker-lost"`), and the host starts the agent again from the state it made durable
   * (its last checkpoint): only the host knows which state its acknowledgements stand on.
   */
  onWorkerLost?(info: { agentId: string; reason: string }): void;
}

/** A timer an agent asks for: its tag and when it is due (ms since the Unix epoch). */
export interface TimerRequest {
  tag: string;
  dueAtMs: number;
}

/**
 * The node's timer service, called (synchronously, for the agent) by the `timers` imports
 * of world 0.2.0. `set` answers the new timer's id or why it was refused (the refusal
 * reaches the agent as the error value of `set-timer`); `cancel` answers whether a pending
 * timer was cancelled. When a timer is due the service calls {@link Sandbox.fireTimer}.
 */
export interface TimerService {
  set(agent: string, t: TimerRequest): { ok: true; id: string } | { ok: false; error: string };
  cancel(agent: string, id: string): boolean;
}
