import { z } from "zod";

/**
 * The data model of the Raft core and its zod schemas: log entries, configurations,
 * snapshots, persistent state and the messages nodes exchange. Everything here is plain
 * data (numbers, strings, `Uint8Array`), so it can be persisted in Deno KV and carried over
 * libp2p (see `wire.ts` for the byte form).
 * @module
 */

/** Upper bound on the entries one `append` message may carry (a trust-boundary limit). */
export const MAX_ENTRIES_PER_MESSAGE = 10_000;

/** A node's identifier in the cluster (e.g. its libp2p peer id or node name). */
export const NodeIdSchema = z.string().min(1).max(256);

/** A term or log index: a non-negative safe integer. */
export const IndexSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const BytesSchema = z.custom<Uint8Array>((v) => v instanceof Uint8Array, {
  message: "expected bytes (a Uint8Array)",
});

/** Voting members and learners (non-voting members that receive the log). */
export const ConfStateSchema = z.object({
  voters: z.array(NodeIdSchema).max(1000),
  learners: z.array(NodeIdSchema).max(1000),
});
/** A cluster configuration: voters and learners. */
export type ConfState = z.infer<typeof ConfStateSchema>;

/**
 * One single-server membership change: add a voter (or promote a learner), add a learner,
 * or remove a node (voter or learner).
 */
export const ConfChangeSchema = z.object({
  type: z.enum(["addVoter", "addLearner", "removeNode"]),
  node: NodeIdSchema,
});
/** A single-server membership change. */
export type ConfChange = z.infer<typeof ConfChangeSchema>;

const NormalEntrySchema = z.object({
  type: z.literal("normal"),
  index: IndexSchema,
  term: IndexSchema,
  data: BytesSchema,
});
const NoopEntrySchema = z.object({
  type: z.literal("noop"),
  index: IndexSchema,
  term: IndexSchema,
});
const ConfEntrySchema = z.object({
  type: z.literal("conf"),
  index: IndexSchema,
  term: IndexSchema,
  change: ConfChangeSchema,
  conf: ConfStateSchema,
});

/**
 * A log entry: an application command (`normal`), the empty entry a new leader appends
 * (`noop`), or a membership change (`conf`, carrying the change and the configuration that
 * results from it; a configuration takes effect as soon as it is appended to a log).
 */
export const EntrySchema = z.discriminatedUnion("type", [
  NormalEntrySchema,
  NoopEntrySchema,
  ConfEntrySchema,
]);
/** A log entry. */
export type Entry = z.infer<typeof EntrySchema>;
/** A log entry holding an application command. */
export type NormalEntry = z.infer<typeof NormalEntrySchema>;
/** A log entry holding a membership change. */
export type ConfEntry = z.infer<typeof ConfEntrySchema>;

/** Where a snapshot ends: the last index and term it covers and the configuration there. */
export const SnapshotMetaSchema = z.object({
  index: IndexSchema,
  term: IndexSchema,
  conf: ConfStateSchema,
});
/** Snapshot metadata. */
export type SnapshotMeta = z.infer<typeof SnapshotMetaSchema>;

/** A state-machine snapshot covering the log up to `meta.index`. */
export const SnapshotSchema = z.object({ meta: SnapshotMetaSchema, data: BytesSchema });
/** A state-machine snapshot. */
export type Snapshot = z.infer<typeof SnapshotSchema>;

/** The state a node must persist before it answers anyone: term, vote and commit index. */
export const HardStateSchema = z.object({
  term: IndexSchema,
  vote: NodeIdSchema.nullable(),
  commit: IndexSchema,
});
/** Term, vote and commit index. */
export type HardState = z.infer<typeof HardStateSchema>;

/** What a node restarts from: its hard state, its latest snapshot and the log after it. */
export interface PersistedState {
  /** Last persisted term, vote and commit index. */
  hardState: HardState;
  /** The latest snapshot; absent means "empty, index 0, no members". */
  snapshot?: Snapshot;
  /** The log entries after the snapshot, contiguous and in index order. */
  entries: Entry[];
}

const base = { term: IndexSchema, from: NodeIdSchema, to: NodeIdSchema };

const VoteRequestFields = {
  ...base,
  lastIndex: IndexSchema,
  lastTerm: IndexSchema,
  /** Set when the election follows a leadership transfer: voters ignore their lease. */
  transfer: z.boolean(),
};

const AppendSchema = z.object({
  ...base,
  type: z.literal("append"),
  prevIndex: IndexSchema,
  prevTerm: IndexSchema,
  entries: z.array(EntrySchema).max(MAX_ENTRIES_PER_MESSAGE),
  commit: IndexSchema,
}).superRefine((m, ctx) => {
  m.entries.forEach((e, i) => {
    if (e.index !== m.prevIndex + 1 + i) {
      ctx.addIssue({
        code: "custom",
        path: ["entries", i, "index"],
        message: `entry index ${e.index} should be ${m.prevIndex + 1 + i}`,
      });
    }
    if (e.term > m.term || e.term < (i === 0 ? m.prevTerm : m.entries[i - 1].term)) {
      ctx.addIssue({
        code: "custom",
        path: ["entries", i, "term"],
        message: `entry term ${e.term} out of order (message term ${m.term})`,
      });
    }
  });
});

/**
 * Every message Raft nodes exchange, discriminated by `type`:
 * - `preVote` / `vote` and their responses: (pre-)elections;
 * - `append` / `appendResp`: log replication (a rejection carries a conflict hint);
 * - `heartbeat` / `heartbeatResp`: leadership and commit propagation, ReadIndex confirmation;
 * - `snapshot`: InstallSnapshot (answered by an `appendResp`);
 * - `timeoutNow`: leadership transfer;
 * - `readIndex` / `readIndexResp`: a follower's linearizable read, forwarded to the leader.
 *
 * @example
 * ```ts
 * const msg = MessageSchema.parse(untrusted); // throws a ZodError naming the bad field
 * ```
 */
export const MessageSchema = z.discriminatedUnion("type", [
  z.object({ ...VoteRequestFields, type: z.literal("preVote") }),
  z.object({ ...VoteRequestFields, type: z.literal("vote") }),
  z.object({ ...base, type: z.literal("preVoteResp"), granted: z.boolean() }),
  z.object({ ...base, type: z.literal("voteResp"), granted: z.boolean() }),
  AppendSchema,
  z.object({
    ...base,
    type: z.literal("appendResp"),
    /** Accepted: the last index now known to match. Rejected: the rejected `prevIndex`. */
    index: IndexSchema,
    reject: z.boolean(),
    /** On rejection: the follower's guess of the last index that may match. */
    rejectHint: IndexSchema,
    /** On rejection: the follower's term at `rejectHint` (0 if unknown). */
    logTerm: IndexSchema,
  }),
  z.object({ ...base, type: z.literal("heartbeat"), commit: IndexSchema, readSeq: IndexSchema }),
  z.object({ ...base, type: z.literal("heartbeatResp"), readSeq: IndexSchema }),
  z.object({ ...base, type: z.literal("snapshot"), snapshot: SnapshotSchema }),
  z.object({ ...base, type: z.literal("timeoutNow") }),
  z.object({ ...base, type: z.literal("readIndex"), ctx: z.string().max(256) }),
  z.object({
    ...base,
    type: z.literal("readIndexResp"),
    ctx: z.string().max(256),
    index: IndexSchema,
  }),
]);

/** A Raft message. */
export type Message = z.infer<typeof MessageSchema>;
/** The `type` tags of {@link Message}. */
export type MessageType = Message["type"];
/** The message with a given `type` tag. */
export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;
