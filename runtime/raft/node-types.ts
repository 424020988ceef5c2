import type { ConfState, Entry, HardState, Message, Snapshot } from "./messages.ts";

/**
 * The shapes going into and out of the Raft core: its options, the work it hands the shell
 * ({@link Ready}) and what it reports about itself.
 * @module
 */

/** A node's role. `preCandidate` is the pre-vote phase, before any term is spent. */
export type Role = "follower" | "preCandidate" | "candidate" | "leader";

/** Tuning and identity of a {@link RaftNode}. */
export interface RaftOptions {
  /** This node's id. */
  id: string;
  /** Ticks without hearing from a leader before an election (randomized in [n, 2n)). */
  electionTicks?: number;
  /** Ticks between a leader's heartbeats; must be less than `electionTicks`. */
  heartbeatTicks?: number;
  /** Run a pre-vote before an election so that a partitioned node cannot inflate terms. */
  preVote?: boolean;
  /** A leader that has not heard from a quorum within an election timeout steps down, and
   * voters ignore vote requests while they hear from a leader. */
  checkQuorum?: boolean;
  /** Most entries per append message. */
  maxEntriesPerMessage?: number;
  /** Approximate byte budget per append message. */
  maxBytesPerMessage?: number;
  /** Most unacknowledged appends per follower while pipelining. */
  maxInflight?: number;
  /**
   * Ticks between a leader's appends to a replicating learner (default 0: each commit goes to
   * it at once). A learner counts in no quorum, so with a pace it gets everything committed
   * since its last append in one append per pace instead of one per commit. It is sent at
   * once when it is at least half an append message (`maxEntriesPerMessage`) behind, when it
   * asked for a read index, and while it is probed or installing a snapshot (unchanged).
   */
  learnerPaceTicks?: number;
  /** Most committed entries handed out per ready. */
  maxCommittedPerReady?: number;
  /**
   * Start without campaigning until a leader is heard from or {@link RaftNode.releaseCampaign}
   * is called: for a node restarting from old state, which may have been removed from the
   * configuration while it was away and must not campaign with its stale configuration.
   */
  holdCampaign?: boolean;
  /** Source of randomness in [0, 1) for election timeouts; defaults to a PRNG seeded by `id`. */
  random?: () => number;
  /**
   * Testing only: count replicas of entries from earlier terms to commit them (the bug of
   * figure 8 in the Raft paper). Never enable this in production.
   */
  unsafeCommitPreviousTerm?: boolean;
  /**
   * Testing only: let the leader count its own log in the commit quorum before the shell
   * reports it durable (see {@link RaftNode.advance}). Unsafe once the shell sends appends
   * before persisting them. Never enable this in production.
   */
  unsafeCountUnpersistedSelf?: boolean;
  /**
   * Testing only: the learners' shortcut done wrong. Learners get entries only once they
   * commit, each with a commit index that covers it; this variant sends them every entry at
   * once and claims it committed. Never enable this in production.
   */
  unsafeLearnerCommitAll?: boolean;
}

/** A confirmed linearizable read: reads at or after `index` are current as of the request. */
export interface ReadState {
  /** The context passed to {@link RaftNode.readIndex}. */
  ctx: string;
  /** The commit index to wait for before reading the state machine. */
  index: number;
}

/** Volatile state the shell may want to observe (not persisted). */
export interface SoftState {
  /** The known leader, or `null`. */
  leader: string | null;
  /** This node's role. */
  role: Role;
}

/**
 * Work for the shell, in this order: persist `snapshot` (and restore the state machine
 * from it), persist `entries` and `hardState`; then send `messages`; then apply
 * `committedEntries` and serve `readStates` once applied up to their index; then call
 * {@link RaftNode.advance} with this object.
 *
 * One exception (leader pipelining, as in etcd): `append` and `heartbeat` messages may be
 * sent before persisting, provided `hardState` does not change the term or vote and there
 * is no `snapshot`. The leader counts its own entries toward a commit only once
 * {@link RaftNode.advance} reports them persisted, so a crash before the save completes
 * cannot lose a committed entry.
 */
export interface Ready {
  /** Role or leader changed. */
  softState?: SoftState;
  /** Term, vote or commit changed: persist before sending. */
  hardState?: HardState;
  /** A snapshot received from the leader: persist it (discarding the log) and restore it. */
  snapshot?: Snapshot;
  /** New log entries to persist (they replace any stored entries from their first index). */
  entries: Entry[];
  /** Messages to send after persisting (but see the exception above). */
  messages: Message[];
  /** Committed entries to apply, in order. */
  committedEntries: Entry[];
  /** Linearizable reads that are confirmed. */
  readStates: ReadState[];
}

/** What the leader knows of one follower, for status reports. */
export interface ProgressStatus {
  /** Highest replicated index. */
  match: number;
  /** Next index to send. */
  next: number;
  /** Replication state. */
  state: "probe" | "replicate" | "snapshot";
  /** Heard from during the current check-quorum round. */
  recentActive: boolean;
}

/** A snapshot of a node's state for observers. */
export interface RaftStatus {
  /** This node. */
  id: string;
  /** Its role. */
  role: Role;
  /** Current term. */
  term: number;
  /** Vote in the current term. */
  vote: string | null;
  /** Known leader. */
  leader: string | null;
  /** Commit index. */
  commitIndex: number;
  /** Applied index. */
  appliedIndex: number;
  /** Last log index. */
  lastIndex: number;
  /** Index of the latest snapshot. */
  snapshotIndex: number;
  /** Current configuration (latest in the log). */
  conf: ConfState;
  /** Log index of the entry that set `conf` (0: from the snapshot or the founding state). */
  confIndex: number;
  /** On a leader: each other member's replication progress. */
  progress?: Record<string, ProgressStatus>;
  /** On a leader: the target of an ongoing leadership transfer. */
  transferee: string | null;
}

/** Where a proposal landed in the log; it is committed if that index commits with that term. */
export interface ProposalTicket {
  /** Log index of the proposed entry. */
  index: number;
  /** Term of the proposed entry. */
  term: number;
}
