/**
 * Mobility and scale to zero: one snapshot format (canonical binary, gzip, signed with the
 * node's Ed25519 key) for hibernation, restarts and migration; the two-phase move between
 * nodes over libp2p whose single point of ownership change is the directory's
 * `agent.move` commit; hibernation of idle agents; fault injection for tests.
 *
 * - Format: {@link encodeSnapshot} / {@link decodeSnapshot} (pure), sealed by
 *   {@link sealSnapshot} and opened (verified) by {@link openSnapshot}.
 * - Storage: {@link SnapshotKeeper} (last snapshot per agent in Deno KV), {@link KvHeldLog}
 *   (messages held during a move), {@link NonceStore} (seen snapshot nonces).
 * - Protocol: {@link MigrationService} (source and target halves, recovery, drain,
 *   `list-nodes` figures), {@link Hibernator}.
 *
 * @example
 * ```ts
 * const keeper = new SnapshotKeeper({ kv, signer: { id: "n1", sign: identity.sign }, keyOf });
 * const sealed = await keeper.seal(capture, keeper.meta("migration", "n2"));
 * const snapshot = await openSnapshot(sealed.bytes, { keyOf, maxBytes: 1 << 30 });
 * ```
 * @module
 */
export {
  type AgentActivity,
  type AgentCapture,
  type AgentSnapshot,
  type AgentSnapshots,
  DEFAULT_HIBERNATE_AFTER_SECONDS,
  type HeldDelivery,
  type HeldLog,
  type MigrationHop,
  SNAPSHOT_REASONS,
  type SnapshotMeta,
  type SnapshotReason,
  type StagedArrival,
} from "./capture.ts";
export {
  decodeSnapshot,
  encodeSnapshot,
  looksLikeSnapshot,
  SNAPSHOT_MAGIC,
  SNAPSHOT_VERSION,
  SnapshotFormatError,
} from "./format.ts";
export { gunzip, gzip } from "./compress.ts";
export {
  encodeSeal,
  parseSeal,
  type Seal,
  SEAL_VERSION,
  SealError,
  sealSnapshot,
  sha256,
  signedBytes,
  type Signer,
} from "./seal.ts";
export {
  judgeSeal,
  type OpenOptions,
  openSnapshot,
  type RefusalReason,
  type SealFacts,
  SnapshotRefused,
} from "./acceptance.ts";
export { NONCE_PREFIX, NonceStore } from "./nonce-store.ts";
export { KvBlobStore } from "./blob-store.ts";
export { HELD_PREFIX, KvHeldLog } from "./held-log.ts";
export { heldFromWire, heldToWire, type HeldWire, HeldWireSchema } from "./held-wire.ts";
export {
  MAX_SNAPSHOT_BYTES,
  type Sealed,
  SnapshotKeeper,
  type SnapshotKeeperOptions,
} from "./snapshot-keeper.ts";
export {
  FAULT_ENV,
  FAULT_PHASES,
  type FaultHook,
  faultHook,
  type FaultPhase,
  parseFault,
} from "./fault.ts";
export { dueForHibernation, Hibernator, type HibernatorDeps, nextDue } from "./hibernation.ts";
export { type IdleDecision, idleDecision } from "./idle-decision.ts";
export {
  localAvailableMemory,
  localLoad,
  NodeLoad,
  type NodeLoadDeps,
  refreshPeriodMs,
} from "./node-load.ts";
export {
  arrivalKey,
  type ClusterPort,
  type ConversationStates,
  intentKey,
  type MigrationDeps,
} from "./context.ts";
export { type MigrationReport, Outgoing } from "./source.ts";
export { Incoming } from "./target.ts";
export { type DrainReport, MigrationService } from "./service.ts";
export {
  type MigrateRequest,
  MigrateRequestSchema,
  type MigrateTransfer,
  MigrateTransferSchema,
  type NodeStats,
} from "./wire.ts";
