/**
 * The contract between the agent manager and migration: what an agent is at a message
 * boundary ({@link AgentCapture}), where its last snapshot is kept ({@link AgentSnapshots}),
 * the durable log of messages held while it moves ({@link HeldLog}) and the handles a move
 * works with. The agents folder owns it (the manager implements one side, migration the
 * other), so migration imports it from `agents/mod.ts` and the agents folder imports nothing
 * from migration.
 * @module
 */
import type { AgentIdentifier, JsonValue } from "../acl/mod.ts";
import type { Delivery } from "../routing/mod.ts";
import type { MemorySnapshot } from "../sandbox/mod.ts";
import type { AgentRecord, AgentState } from "./record.ts";
import type { TimerTable } from "../timers/mod.ts";

/** One move of an agent between nodes, as its migration history records it. */
export interface MigrationHop {
  from: string;
  to: string;
  /** ISO 8601 time the move began (the snapshot's time). */
  at: string;
  /** The nonce of the snapshot that carried the move. */
  nonce: string;
}

/** A message accepted for an agent but not yet handed to it, with its receiver. */
export interface HeldDelivery {
  delivery: Delivery;
  to: AgentIdentifier;
}

/** Why a snapshot was taken. */
export type SnapshotReason = "migration" | "hibernation" | "shutdown" | "checkpoint";

/** The snapshot reasons, for validation. */
export const SNAPSHOT_REASONS = ["migration", "hibernation", "shutdown", "checkpoint"] as const;

/**
 * Everything an agent is at a message boundary: what the node knows of it (its record), the
 * state of its instance (every linear memory and mutable global), its storage, the messages
 * accepted for it and not yet handled, its open conversations and where it has been. From
 * a capture (and the component, by hash) an agent continues where it stopped, on this node
 * or another.
 */
export interface AgentCapture {
  record: AgentRecord;
  memory: MemorySnapshot;
  /** The agent's storage, sorted by key. */
  storage: [string, Uint8Array][];
  /** Messages accepted and not yet handled, in arrival order. */
  queued: HeldDelivery[];
  /** Protocol state of its open conversations (the tracker's JSON), if tracked. */
  conversations: JsonValue | null;
  history: MigrationHop[];
  /** Its pending timers, when it has any (a move carries them). */
  timers?: TimerTable;
}

/**
 * Where a node keeps the last snapshot of each of its agents (hibernation, shutdown,
 * migration). Implemented over Deno KV by migration's `SnapshotKeeper`.
 */
export interface AgentSnapshots {
  /** Writes `capture` as the agent's last snapshot (replacing the previous one). */
  save(capture: AgentCapture, reason: SnapshotReason): Promise<{ bytes: number }>;
  /** The agent's last snapshot, if it has one. */
  load(name: string): Promise<AgentCapture | undefined>;
  /** Forgets the agent's snapshot. */
  remove(name: string): Promise<void>;
}

/** A durable, ordered log of messages held for an agent while it moves. */
export interface HeldLog {
  append(name: string, held: HeldDelivery): Promise<void>;
  list(name: string): Promise<HeldDelivery[]>;
  clear(name: string): Promise<void>;
}

/** Idle time before an agent hibernates when its config names none: 300 s (0 = never). */
export const DEFAULT_HIBERNATE_AFTER_SECONDS = 300;

/** What the hibernation scheduler needs to know about one agent. */
export interface AgentActivity {
  name: string;
  state: AgentState;
  /** When it last got or handled a message or was activated, ms since the epoch. */
  last_active_ms: number;
  /** Its idle limit (the default applied); 0 = never hibernate. */
  hibernate_after_seconds: number;
  /** Messages in its mailbox or held. */
  pending: number;
}

/** An agent restored on the target of a move, waiting for the move's commit. */
export interface StagedArrival {
  name: string;
  /**
   * Writes the agent's record and storage ahead of the commit (a restart treats them as in
   * doubt while the arrival is marked); `commit` waits for it.
   */
  prepare(): Promise<void>;
  /** Makes it this node's agent (after the commit): listed, persisted, still holding. */
  commit(): Promise<void>;
  /** Drops the restored instance (the move did not happen) and what `prepare` wrote. */
  discard(): Promise<void>;
}
