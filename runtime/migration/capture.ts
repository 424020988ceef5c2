import type { AgentCapture, SnapshotReason } from "../agents/mod.ts";

// The contract with the agent manager (captures, snapshot store, held log, arrivals) lives
// in `agents/contract.ts`; this file adds what only migration knows: a snapshot's metadata.
export type {
  AgentActivity,
  AgentCapture,
  AgentSnapshots,
  HeldDelivery,
  HeldLog,
  MigrationHop,
  SnapshotReason,
  StagedArrival,
} from "../agents/mod.ts";
export { DEFAULT_HIBERNATE_AFTER_SECONDS, SNAPSHOT_REASONS } from "../agents/mod.ts";

/** What a snapshot adds to a capture: who took it, when, why, and a fresh nonce. */
export interface SnapshotMeta {
  /** The node that took (and signs) the snapshot. */
  source: string;
  /** ISO 8601. */
  taken_at: string;
  /** 32 random bytes, hex: a snapshot is accepted once per node. */
  nonce: string;
  reason: SnapshotReason;
  /** The node a migration snapshot is meant for. */
  target?: string;
}

/** A decoded snapshot: a capture and its metadata. */
export interface AgentSnapshot extends AgentCapture {
  meta: SnapshotMeta;
}
