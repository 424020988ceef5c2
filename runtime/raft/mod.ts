/**
 * Raft consensus for the cluster: the pure core ({@link RaftNode}), its message schemas and
 * wire codec, storage (in memory and Deno KV) and the driver that runs a node with timers,
 * a transport and a state machine.
 *
 * Design choices (see each file for details):
 * - membership: single-server changes that take effect when appended (`conf.ts`);
 * - reads: ReadIndex only (no leader lease), so reads stay linearizable under clock drift;
 * - pre-vote and check-quorum on by default; leadership transfer via `timeoutNow`.
 * @module
 */
export {
  type ConfChange,
  ConfChangeSchema,
  type ConfEntry,
  type ConfState,
  ConfStateSchema,
  type Entry,
  EntrySchema,
  type HardState,
  HardStateSchema,
  MAX_ENTRIES_PER_MESSAGE,
  type Message,
  type MessageOf,
  MessageSchema,
  type MessageType,
  type NormalEntry,
  type PersistedState,
  type Snapshot,
  type SnapshotMeta,
  SnapshotSchema,
} from "./messages.ts";
export { decodeMessage, encodeMessage, WireError } from "./wire.ts";
export { outcomeUnknown, RaftError, type RaftErrorCode, type RaftErrorDetails } from "./errors.ts";
export {
  applyConfChange,
  confOf,
  EMPTY_CONF,
  isMember,
  isVoter,
  majorityIndex,
  quorumSize,
} from "./conf.ts";
export {
  type ProgressStatus,
  type ProposalTicket,
  RaftNode,
  type RaftOptions,
  type RaftStatus,
  type ReadState,
  type Ready,
  type Role,
  type SoftState,
} from "./node.ts";
export { createRng, type Rng, seedFromString } from "./prng.ts";
export { RELEASED_SNAPSHOT_DATA } from "./log.ts";
export { emptyState, MemoryStorage, type RaftStorage, type StorageUpdate } from "./storage.ts";
export {
  KvStorage,
  type KvStorageOptions,
  MAX_ENTRY_DATA_BYTES,
  SNAPSHOT_CHUNK_BYTES,
} from "./kv-storage.ts";
export {
  type ClusterStatus,
  RaftDriver,
  type RaftDriverOptions,
  type RaftStateMachine,
  type RaftTrace,
  type RaftTraceStage,
  type RaftTransport,
} from "./driver.ts";
export {
  type AutopilotDecision,
  type AutopilotPolicy,
  type AutopilotView,
  decideAutopilot,
  type MemberHealth,
} from "./autopilot.ts";
