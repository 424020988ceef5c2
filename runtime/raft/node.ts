import { coalesceAppends } from "./coalesce.ts";
import {
  applyConfChange,
  EMPTY_CONF,
  isMember,
  isVoter,
  majorityIndex,
  members,
  quorumSize,
  tallyVotes,
} from "./conf.ts";
import { RaftError } from "./errors.ts";
import { RaftLog } from "./log.ts";
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  MessageOf,
  PersistedState,
  Snapshot,
} from "./messages.ts";
import { createRng, seedFromString } from "./prng.ts";
import { Progress } from "./progress.ts";
import { type PendingRead, ReadIndexQueue } from "./read-index.ts";
import type {
  ProposalTicket,
  RaftOptions,
  RaftStatus,
  Ready,
  Role,
  SoftState,
} from "./node-types.ts";

/**
 * The Raft consensus core: a deterministic state machine stepped by messages, ticks and
 * local requests. It never reads a clock, draws randomness only from an injected source,
 * and does no I/O: everything the outside world must do (persist, send, apply) comes out of
 * {@link RaftNode.ready}, and the shell confirms it with {@link RaftNode.advance}.
 * Modelled on etcd's raft: pre-vote, check-quorum, fast conflict backtracking, single-server
 * membership changes, snapshots, ReadIndex and leadership transfer.
 * @module
 */

export type {
  ProgressStatus,
  ProposalTicket,
  RaftOptions,
  RaftStatus,
  ReadState,
  Ready,
  Role,
  SoftState,
} from "./node-types.ts";

type Outgoing = Message extends infer M ? M extends Message ? Omit<M, "from" | "term"> & {
      term?: number;
    }
  : never
  : never;

const textEncoder = new TextEncoder();

/**
 * One Raft node.
 *
 * @example
 * ```ts
 * const node = new RaftNode({ id: "a" }, { hardState: { term: 0, vote: null, commit: 0 },
 *   snapshot: { meta: { index: 0, term: 0, conf: confOf(["a"]) }, data: new Uint8Array() },
 *   entries: [] });
 * node.campaign();
 * const rd = node.ready(); // persist rd.entries/hardState, send rd.messages, apply ...
 * node.advance(rd);
 * node.propose("hello"); // { index: 2, term: 1 }
 * ```
 */
export class RaftNode {
  /** This node's id. */
  readonly id: string;
  readonly #electionTicks: number;
  readonly #heartbeatTicks: number;
  readonly #preVote: boolean;
  readonly #checkQuorum: boolean;
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #maxInflight: number;
  readonly #maxCommitted: number;
  readonly #learnerPaceTicks: number;
  readonly #learnerBurst: number;
  readonly #random: () => number;
  readonly #unsafeCommit: boolean;
  readonly #unsafeSelf: boolean;
  readonly #unsafeLearners: boolean;

  #term: number;
  #vote: string | null;
  #lead: string | null = null;
  #role: Role = "follower";
  readonly #log: RaftLog;
  #conf: ConfState = EMPTY_CONF;
  #confIndex = 0;
  /**
   * The index of the last configuration change this node knew committed as leader: a paced
   * learner that lacks it gets it at once (see `#sendAppend`).
   */
  #confCommitted = 0;

  #electionElapsed = 0;
  #heartbeatElapsed = 0;
  #learnerHeartbeatElapsed = 0;
  #learnerPaceElapsed = 0;
  #randomizedTimeout = 0;
  #votes = new Map<string, boolean>();
  #progress = new Map<string, Progress>();
  #transferee: string | null = null;
  #transferElapsed = 0;
  #reads = new ReadIndexQueue();
  #readsBeforeCommit: { ctx: string; from: string }[] = [];
  #campaignHeld: boolean;

  #msgs: Message[] = [];
  #readStates: { ctx: string; index: number }[] = [];
  #prevHard: HardState;
  #prevSoft: SoftState = { leader: null, role: "follower" };

  /**
   * @param options identity and tuning
   * @param state what the node persisted before (empty for a new node); a founding member
   * starts from a snapshot at index 0 whose configuration lists the initial voters.
   */
  constructor(options: RaftOptions, state?: PersistedState) {
    this.id = options.id;
    this.#electionTicks = options.electionTicks ?? 10;
    this.#heartbeatTicks = options.heartbeatTicks ?? 1;
    if (this.#heartbeatTicks < 1 || this.#electionTicks <= this.#heartbeatTicks) {
      throw new RangeError(
        `electionTicks (${this.#electionTicks}) must exceed heartbeatTicks (${this.#heartbeatTicks}) >= 1`,
      );
    }
    this.#preVote = options.preVote ?? true;
    this.#checkQuorum = options.checkQuorum ?? true;
    this.#maxEntries = options.maxEntriesPerMessage ?? 64;
    this.#maxBytes = options.maxBytesPerMessage ?? 1 << 20;
    this.#maxInflight = options.maxInflight ?? 64;
    this.#maxCommitted = options.maxCommittedPerReady ?? 1024;
    this.#learnerPaceTicks = options.learnerPaceTicks ?? 0;
    if (!Number.isInteger(this.#learnerPaceTicks) || this.#learnerPaceTicks < 0) {
      throw new RangeError(
        `learnerPaceTicks (${options.learnerPaceTicks}) must be an integer >= 0`,
      );
    }
    this.#learnerBurst = Math.ceil(this.#maxEntries / 2);
    this.#random = options.random ?? createRng(seedFromString(options.id)).next;
    this.#unsafeCommit = options.unsafeCommitPreviousTerm ?? false;
    this.#unsafeSelf = options.unsafeCountUnpersistedSelf ?? false;
    this.#unsafeLearners = options.unsafeLearnerCommitAll ?? false;
    this.#campaignHeld = options.holdCampaign ?? false;

    const persisted = state ?? { hardState: { term: 0, vote: null, commit: 0 }, entries: [] };
    this.#log = new RaftLog(persisted);
    this.#term = persisted.hardState.term;
    this.#vote = persisted.hardState.vote;
    this.#refreshConf();
    this.#becomeFollower(this.#term, null);
    this.#prevHard = { ...persisted.hardState };
  }

  // ---------------------------------------------------------------- inputs

  /** Advances logical time by one tick (elections, heartbeats, check-quorum, timeouts). */
  tick(): void {
    if (this.#role === "leader") this.#tickLeader();
    else this.#tickElection();
  }

  /** Handles a message from a peer. The message must be valid (see `MessageSchema`). */
  step(m: Message): void {
    if (m.to !== this.id) return;
    if (m.term > this.#term) {
      if (m.type === "vote" || m.type === "preVote") {
        const inLease = this.#checkQuorum && this.#lead !== null &&
          this.#electionElapsed < this.#electionTicks;
        if (inLease && !m.transfer) return;
      }
      if (m.type === "preVote" || (m.type === "preVoteResp" && m.granted)) {
        // A pre-vote does not change anyone's term; a granted answer carries the term the
        // pre-candidate will campaign in.
      } else if (m.type === "append" || m.type === "heartbeat" || m.type === "snapshot") {
        this.#becomeFollower(m.term, m.from);
      } else {
        this.#becomeFollower(m.term, null);
      }
    } else if (m.term < this.#term) {
      if (
        (this.#checkQuorum || this.#preVote) && (m.type === "append" || m.type === "heartbeat")
      ) {
        // Tell a stale leader about the newer term so that it steps down.
        this.#send({
          type: "appendResp",
          to: m.from,
          index: 0,
          reject: false,
          rejectHint: 0,
          logTerm: 0,
        });
      } else if (m.type === "preVote") {
        this.#send({ type: "preVoteResp", to: m.from, granted: false });
      }
      return;
    }

    if (m.type === "vote" || m.type === "preVote") {
      this.#handleVoteRequest(m);
      return;
    }
    switch (this.#role) {
      case "leader":
        this.#stepLeader(m);
        break;
      case "candidate":
      case "preCandidate":
        this.#stepCandidate(m);
        break;
      case "follower":
        this.#stepFollower(m);
        break;
    }
  }

  /** Starts an election now (with a pre-vote if enabled), if this node may vote. */
  campaign(): void {
    this.#hup(false);
  }

  /**
   * Appends an application command to the log (leader only).
   * @returns where it landed: the proposal succeeded iff that index commits with that term
   * @throws {RaftError} `NOT_LEADER` (with the known leader) or `TRANSFER_IN_PROGRESS`
   */
  propose(data: Uint8Array | string): ProposalTicket {
    this.#assertCanPropose();
    const bytes = typeof data === "string" ? textEncoder.encode(data) : data;
    const e = this.#appendAsLeader({ type: "normal", index: 0, term: 0, data: bytes });
    this.#bcastAppend();
    return { index: e.index, term: e.term };
  }

  /**
   * Appends several commands at once (leader only): group commit. They land in consecutive
   * indexes and go to each follower in one append message (up to the message limits).
   * @returns one ticket per command, in order
   * @throws {RaftError} as {@link propose}
   */
  proposeMany(data: readonly Uint8Array[]): ProposalTicket[] {
    this.#assertCanPropose();
    const tickets = data.map((d) => {
      const e = this.#appendAsLeader({ type: "normal", index: 0, term: 0, data: d });
      return { index: e.index, term: e.term };
    });
    if (tickets.length > 0) this.#bcastAppend();
    return tickets;
  }

  /**
   * Proposes a single-server membership change (leader only). It takes effect on each node
   * as soon as that node appends it.
   * @throws {RaftError} `NOT_LEADER`, `TRANSFER_IN_PROGRESS`, `CONF_CHANGE_PENDING` (an
   * earlier change is uncommitted, or the leader has not committed an entry of its term
   * yet) or `INVALID_CONF_CHANGE`
   */
  proposeConfChange(change: ConfChange): ProposalTicket {
    this.#assertCanPropose();
    if (this.#confIndex > this.#log.committed) {
      throw new RaftError(
        "CONF_CHANGE_PENDING",
        `membership change at index ${this.#confIndex} is not committed yet`,
        this.id,
      );
    }
    if (this.#log.term(this.#log.committed) !== this.#term) {
      throw new RaftError(
        "CONF_CHANGE_PENDING",
        `leader has not committed an entry in term ${this.#term} yet`,
        this.id,
      );
    }
    const conf = applyConfChange(this.#conf, change);
    const e = this.#appendAsLeader({ type: "conf", index: 0, term: 0, change, conf });
    this.#bcastAppend();
    return { index: e.index, term: e.term };
  }

  /**
   * Asks for a linearizable read point. When confirmed, a {@link ReadState} with `ctx`
   * comes out of a later ready. A follower forwards the request to its leader; the answer
   * may never come (the shell times out).
   * @throws {RaftError} `NOT_LEADER` when no leader is known
   */
  readIndex(ctx: string): void {
    if (this.#role === "leader") {
      this.#handleReadIndex(ctx, this.id);
    } else if (this.#lead !== null) {
      this.#send({ type: "readIndex", to: this.#lead, ctx });
    } else {
      throw new RaftError("NOT_LEADER", "no leader known to confirm a read", null);
    }
  }

  /**
   * Hands leadership to voter `to`: once it has the whole log it is told to campaign at
   * once (`timeoutNow`). Proposals are refused meanwhile; the transfer is abandoned after
   * an election timeout.
   * @throws {RaftError} `NOT_LEADER`, or `INVALID_ARGUMENT` if `to` is not a voter
   */
  transferLeadership(to: string): void {
    if (this.#role !== "leader") {
      throw new RaftError("NOT_LEADER", "only the leader can transfer leadership", this.#lead);
    }
    if (to === this.id) return;
    if (!isVoter(this.#conf, to)) {
      throw new RaftError("INVALID_ARGUMENT", `cannot transfer leadership to non-voter ${to}`);
    }
    if (this.#transferee === to) return;
    this.#transferee = to;
    this.#transferElapsed = 0;
    const pr = this.#progress.get(to)!;
    if (pr.match === this.#log.lastIndex()) this.#send({ type: "timeoutNow", to });
    else this.#sendAppend(to);
  }

  /**
   * Compacts the log: `data` is the state machine's snapshot at applied index `index`.
   * Returns the snapshot, which the shell must persist (dropping entries up to `index`).
   * @throws {RaftError} `INVALID_ARGUMENT` if `index` is not applied or already compacted
   */
  compact(index: number, data: Uint8Array): Snapshot {
    if (index <= this.#log.snapshotMeta.index || index > this.#log.applied) {
      throw new RaftError(
        "INVALID_ARGUMENT",
        `cannot compact to ${index}: snapshot at ${this.#log.snapshotMeta.index}, applied ${this.#log.applied}`,
      );
    }
    return this.#log.compact(index, data);
  }

  /**
   * Drops the latest snapshot's bytes from memory. For a shell whose storage holds that
   * snapshot durably and can read it back: a snapshot message then carries
   * `RELEASED_SNAPSHOT_DATA` (see `log.ts`), and the shell must put the stored bytes in its
   * place before sending it.
   */
  releaseSnapshotData(): void {
    this.#log.releaseSnapshotData();
  }

  /** Lets a node started with `holdCampaign` campaign again (no leader could be found). */
  releaseCampaign(): void {
    this.#campaignHeld = false;
  }

  /** True while campaigning is held (see `holdCampaign`). */
  get campaignHeld(): boolean {
    return this.#campaignHeld;
  }

  /** The transport could not reach `to`: stop pipelining to it until it answers. */
  reportUnreachable(to: string): void {
    const pr = this.#role === "leader" ? this.#progress.get(to) : undefined;
    if (pr?.state === "replicate") pr.becomeProbe();
  }

  /** The transport reports whether a snapshot sent to `to` arrived. */
  reportSnapshot(to: string, ok: boolean): void {
    const pr = this.#role === "leader" ? this.#progress.get(to) : undefined;
    if (pr?.state !== "snapshot") return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    pr.probeSent = true;
  }

  // ---------------------------------------------------------------- outputs

  /** True if {@link ready} has something for the shell. */
  hasReady(): boolean {
    const log = this.#log;
    return this.#msgs.length > 0 || this.#readStates.length > 0 ||
      log.unstableFrom <= log.lastIndex() || log.pendingSnapshot !== undefined ||
      log.committed > Math.max(log.applied, log.snapshotMeta.index) ||
      !sameHard(this.#hardState(), this.#prevHard) ||
      this.#prevSoft.leader !== this.#lead || this.#prevSoft.role !== this.#role;
  }

  /** Collects the work for the shell (see {@link Ready}); call {@link advance} when done. */
  ready(): Ready {
    const log = this.#log;
    const rd: Ready = {
      entries: log.unstableEntries(),
      messages: coalesceAppends(this.#msgs, this.#maxEntries, this.#maxBytes),
      committedEntries: log.nextCommitted(this.#maxCommitted),
      readStates: this.#readStates,
    };
    if (log.pendingSnapshot) rd.snapshot = log.pendingSnapshot;
    const hs = this.#hardState();
    if (!sameHard(hs, this.#prevHard)) rd.hardState = hs;
    if (this.#prevSoft.leader !== this.#lead || this.#prevSoft.role !== this.#role) {
      rd.softState = { leader: this.#lead, role: this.#role };
      this.#prevSoft = rd.softState;
    }
    this.#msgs = [];
    this.#readStates = [];
    return rd;
  }

  /**
   * Confirms that the shell persisted, sent and applied everything in `rd`. This is also
   * how the leader learns that its own entries are durable: only then do they count for
   * it in the commit quorum, so the shell may send a leader's appends (never its other
   * messages) before persisting `rd` (etcd's leader pipelining).
   */
  advance(rd: Ready): void {
    const log = this.#log;
    if (rd.hardState) this.#prevHard = rd.hardState;
    if (rd.snapshot) {
      if (log.pendingSnapshot === rd.snapshot) log.pendingSnapshot = undefined;
      log.applied = Math.max(log.applied, rd.snapshot.meta.index);
    }
    const last = rd.entries.at(-1);
    if (last) log.stableTo(last.index, last.term);
    const applied = rd.committedEntries.at(-1);
    if (applied) log.applied = Math.max(log.applied, applied.index);
    // The leader's own append is durable now: it may complete a quorum.
    if (last && this.#role === "leader" && this.#maybeCommit() && this.#role === "leader") {
      this.#bcastAppend();
    }
  }

  // ---------------------------------------------------------------- observation

  /** The current status. */
  status(): RaftStatus {
    const st: RaftStatus = {
      id: this.id,
      role: this.#role,
      term: this.#term,
      vote: this.#vote,
      leader: this.#lead,
      commitIndex: this.#log.committed,
      appliedIndex: this.#log.applied,
      lastIndex: this.#log.lastIndex(),
      snapshotIndex: this.#log.snapshotMeta.index,
      conf: this.#conf,
      confIndex: this.#confIndex,
      transferee: this.#transferee,
    };
    if (this.#role === "leader") {
      st.progress = {};
      for (const [id, pr] of this.#progress) {
        st.progress[id] = {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          recentActive: pr.recentActive,
        };
      }
    }
    return st;
  }

  /** Current term. */
  get term(): number {
    return this.#term;
  }

  /** Current role. */
  get role(): Role {
    return this.#role;
  }

  /** Known leader. */
  get leader(): string | null {
    return this.#lead;
  }

  /** Current configuration (the latest in the log). */
  get conf(): ConfState {
    return this.#conf;
  }

  /** Commit index. */
  get commitIndex(): number {
    return this.#log.committed;
  }

  /** Applied index. */
  get appliedIndex(): number {
    return this.#log.applied;
  }

  /** Last log index. */
  get lastIndex(): number {
    return this.#log.lastIndex();
  }

  /** Index of the latest snapshot. */
  get snapshotIndex(): number {
    return this.#log.snapshotMeta.index;
  }

  /** Term at log index `i`, or `undefined` when compacted or beyond the log. */
  termAt(i: number): number | undefined {
    return this.#log.term(i);
  }

  /** The entry at log index `i`, if held. */
  entryAt(i: number): Entry | undefined {
    return this.#log.entry(i);
  }

  // ---------------------------------------------------------------- roles

  #hardState(): HardState {
    return { term: this.#term, vote: this.#vote, commit: this.#log.committed };
  }

  #reset(term: number): void {
    if (term !== this.#term) {
      this.#term = term;
      this.#vote = null;
    }
    this.#lead = null;
    this.#electionElapsed = 0;
    this.#heartbeatElapsed = 0;
    this.#learnerHeartbeatElapsed = 0;
    this.#learnerPaceElapsed = 0;
    this.#randomizedTimeout = this.#electionTicks +
      Math.floor(this.#random() * this.#electionTicks);
    this.#votes.clear();
    this.#progress.clear();
    this.#transferee = null;
    this.#reads.clear();
    this.#readsBeforeCommit = [];
  }

  #becomeFollower(term: number, lead: string | null): void {
    this.#reset(term);
    this.#lead = lead;
    this.#role = "follower";
  }

  #becomePreCandidate(): void {
    // Keeps term and vote; only the role changes.
    this.#votes.clear();
    this.#lead = null;
    this.#role = "preCandidate";
    this.#randomizedTimeout = this.#electionTicks +
      Math.floor(this.#random() * this.#electionTicks);
  }

  #becomeCandidate(): void {
    this.#reset(this.#term + 1);
    this.#vote = this.id;
    this.#role = "candidate";
  }

  #becomeLeader(): void {
    this.#reset(this.#term);
    this.#role = "leader";
    this.#lead = this.id;
    const next = this.#log.lastIndex() + 1;
    for (const m of members(this.#conf)) {
      if (m !== this.id) this.#progress.set(m, new Progress(next, this.#maxInflight));
    }
    this.#appendAsLeader({ type: "noop", index: 0, term: 0 });
  }

  #promotable(): boolean {
    return !this.#campaignHeld && isVoter(this.#conf, this.id) &&
      this.#log.pendingSnapshot === undefined;
  }

  #tickElection(): void {
    this.#electionElapsed++;
    if (this.#promotable() && this.#electionElapsed >= this.#randomizedTimeout) {
      this.#electionElapsed = 0;
      this.#hup(false);
    }
  }

  #tickLeader(): void {
    this.#heartbeatElapsed++;
    this.#electionElapsed++;
    if (this.#transferee !== null && ++this.#transferElapsed >= this.#electionTicks) {
      this.#transferee = null;
    }
    if (this.#electionElapsed >= this.#electionTicks) {
      this.#electionElapsed = 0;
      if (this.#checkQuorum) {
        let active = 0;
        for (const v of this.#conf.voters) {
          if (v === this.id || this.#progress.get(v)?.recentActive) active++;
        }
        if (active < quorumSize(this.#conf.voters.length)) {
          this.#becomeFollower(this.#term, null);
          return;
        }
        for (const pr of this.#progress.values()) pr.recentActive = false;
      }
    }
    for (const pr of this.#progress.values()) {
      if (pr.state === "snapshot" && ++pr.snapshotTicks >= this.#electionTicks) pr.becomeProbe();
    }
    if (this.#learnerPaceTicks > 0 && ++this.#learnerPaceElapsed >= this.#learnerPaceTicks) {
      this.#learnerPaceElapsed = 0;
      this.#paceLearners();
    }
    this.#learnerHeartbeatElapsed++;
    const learners = this.#learnerHeartbeatElapsed >= this.#learnerHeartbeatTicks();
    if (learners) this.#learnerHeartbeatElapsed = 0;
    if (this.#heartbeatElapsed >= this.#heartbeatTicks) {
      this.#heartbeatElapsed = 0;
      this.#bcastHeartbeat(learners);
    } else if (learners) {
      this.#bcastHeartbeat(true, false);
    }
  }

  /**
   * Ticks between heartbeats to learners: they vote in nothing and need heartbeats only to
   * learn the commit index when an append was lost and to be seen alive, so their interval
   * grows with their number (one more heartbeat interval per 4 learners), up to half an
   * election timeout (the autopilot's health window is two). Appends go at once, or at the
   * learners' pace (see `learnerPaceTicks`).
   */
  #learnerHeartbeatTicks(): number {
    const grown = Math.ceil(this.#conf.learners.length / 4) * this.#heartbeatTicks;
    const cap = Math.max(this.#heartbeatTicks, Math.floor(this.#electionTicks / 2));
    return Math.max(this.#heartbeatTicks, Math.min(grown, cap));
  }

  /**
   * The learners' pace is up (see `learnerPaceTicks`): each replicating learner gets, in one
   * append (more only when the message limits cut it), everything committed since its last.
   */
  #paceLearners(): void {
    for (const id of this.#conf.learners) {
      while (this.#sendAppend(id, { ifEmpty: false, unpaced: true }));
    }
  }

  #hup(transfer: boolean): void {
    if (this.#role === "leader" || !this.#promotable()) return;
    if (this.#preVote && !transfer) this.#campaign(true, false);
    else this.#campaign(false, transfer);
  }

  #campaign(pre: boolean, transfer: boolean): void {
    let voteTerm: number;
    if (pre) {
      this.#becomePreCandidate();
      voteTerm = this.#term + 1;
    } else {
      this.#becomeCandidate();
      voteTerm = this.#term;
    }
    this.#votes.set(this.id, true);
    if (this.#onVotesChanged()) return;
    const lastIndex = this.#log.lastIndex();
    const lastTerm = this.#log.lastTerm();
    for (const v of this.#conf.voters) {
      if (v === this.id) continue;
      this.#send({
        type: pre ? "preVote" : "vote",
        to: v,
        term: voteTerm,
        lastIndex,
        lastTerm,
        transfer,
      });
    }
  }

  /** Acts on the current tally; returns true if the election ended. */
  #onVotesChanged(): boolean {
    const outcome = tallyVotes(this.#conf.voters, this.#votes);
    if (outcome === "won") {
      if (this.#role === "preCandidate") {
        this.#campaign(false, false);
      } else {
        this.#becomeLeader();
        this.#bcastAppend();
      }
      return true;
    }
    if (outcome === "lost") {
      this.#becomeFollower(this.#term, null);
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- stepping

  #handleVoteRequest(m: MessageOf<"vote"> | MessageOf<"preVote">): void {
    const pre = m.type === "preVote";
    const canVote = this.#vote === m.from ||
      (this.#vote === null && this.#lead === null) ||
      (pre && m.term > this.#term);
    const respType = pre ? "preVoteResp" : "voteResp";
    if (canVote && this.#log.isUpToDate(m.lastIndex, m.lastTerm)) {
      this.#send({ type: respType, to: m.from, term: m.term, granted: true });
      if (!pre) {
        this.#electionElapsed = 0;
        this.#vote = m.from;
      }
    } else {
      this.#send({ type: respType, to: m.from, granted: false });
    }
  }

  #stepFollower(m: Message): void {
    if (m.type === "append" || m.type === "heartbeat" || m.type === "snapshot") {
      // A leader of the current term knows us: the configuration will come from it.
      this.#campaignHeld = false;
    }
    switch (m.type) {
      case "append":
        this.#electionElapsed = 0;
        this.#lead = m.from;
        this.#handleAppend(m);
        break;
      case "heartbeat":
        this.#electionElapsed = 0;
        this.#lead = m.from;
        this.#handleHeartbeat(m);
        break;
      case "snapshot":
        this.#electionElapsed = 0;
        this.#lead = m.from;
        this.#handleSnapshot(m);
        break;
      case "timeoutNow":
        this.#hup(true);
        break;
      case "readIndexResp":
        this.#readStates.push({ ctx: m.ctx, index: m.index });
        break;
      default:
        break;
    }
  }

  #stepCandidate(m: Message): void {
    switch (m.type) {
      case "append":
        this.#becomeFollower(m.term, m.from);
        this.#handleAppend(m);
        break;
      case "heartbeat":
        this.#becomeFollower(m.term, m.from);
        this.#handleHeartbeat(m);
        break;
      case "snapshot":
        this.#becomeFollower(m.term, m.from);
        this.#handleSnapshot(m);
        break;
      case "preVoteResp":
      case "voteResp":
        if ((m.type === "preVoteResp") !== (this.#role === "preCandidate")) break;
        this.#votes.set(m.from, m.granted);
        this.#onVotesChanged();
        break;
      default:
        break;
    }
  }

  #stepLeader(m: Message): void {
    switch (m.type) {
      case "appendResp":
        this.#handleAppendResp(m);
        break;
      case "heartbeatResp":
        this.#handleHeartbeatResp(m);
        break;
      case "readIndex":
        this.#handleReadIndex(m.ctx, m.from);
        break;
      default:
        break;
    }
  }

  #handleAppend(m: MessageOf<"append">): void {
    const log = this.#log;
    if (m.prevIndex < log.committed) {
      this.#send({
        type: "appendResp",
        to: m.from,
        index: log.committed,
        reject: false,
        rejectHint: 0,
        logTerm: 0,
      });
      return;
    }
    const lastNew = log.maybeAppend(m.prevIndex, m.prevTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.#refreshConfAfter(m.entries);
      this.#send({
        type: "appendResp",
        to: m.from,
        index: lastNew,
        reject: false,
        rejectHint: 0,
        logTerm: 0,
      });
      return;
    }
    const hint = log.findConflictByTerm(Math.min(m.prevIndex, log.lastIndex()), m.prevTerm);
    this.#send({
      type: "appendResp",
      to: m.from,
      index: m.prevIndex,
      reject: true,
      rejectHint: hint.index,
      logTerm: hint.term,
    });
  }

  #handleHeartbeat(m: MessageOf<"heartbeat">): void {
    this.#log.commitTo(m.commit);
    this.#send({ type: "heartbeatResp", to: m.from, readSeq: m.readSeq });
  }

  #handleSnapshot(m: MessageOf<"snapshot">): void {
    const log = this.#log;
    const { meta } = m.snapshot;
    if (meta.index <= log.committed) {
      this.#send({
        type: "appendResp",
        to: m.from,
        index: log.committed,
        reject: false,
        rejectHint: 0,
        logTerm: 0,
      });
      return;
    }
    if (log.matchTerm(meta.index, meta.term)) {
      // We already hold the snapshot's last entry: just learn that it is committed.
      log.commitTo(meta.index);
      this.#send({
        type: "appendResp",
        to: m.from,
        index: log.committed,
        reject: false,
        rejectHint: 0,
        logTerm: 0,
      });
      return;
    }
    log.restore(m.snapshot);
    this.#refreshConf();
    this.#send({
      type: "appendResp",
      to: m.from,
      index: log.lastIndex(),
      reject: false,
      rejectHint: 0,
      logTerm: 0,
    });
  }

  #handleAppendResp(m: MessageOf<"appendResp">): void {
    const pr = this.#progress.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    if (m.reject) {
      let nextProbe = m.rejectHint;
      if (m.logTerm > 0) nextProbe = this.#log.findConflictByTerm(m.rejectHint, m.logTerm).index;
      if (pr.maybeDecrTo(m.index, nextProbe)) {
        if (pr.state === "replicate") pr.becomeProbe();
        this.#sendAppend(m.from);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    // As etcd: a probe answered at the known match (an empty append, as a learner with
    // nothing committed to receive gets) also ends probing.
    const probeAcked = pr.state === "probe" && m.index === pr.match;
    if (!pr.maybeUpdate(m.index) && !probeAcked) return;
    if (pr.state === "probe") {
      pr.becomeReplicate();
    } else if (pr.state === "snapshot" && pr.match + 1 >= this.#log.firstIndex()) {
      pr.becomeProbe();
      pr.becomeReplicate();
    }
    if (this.#maybeCommit()) {
      if (this.#role !== "leader") return;
      this.#bcastAppend();
    } else if (wasPaused) {
      this.#sendAppend(m.from);
    }
    while (this.#sendAppend(m.from, { ifEmpty: false }));
    if (m.from === this.#transferee && pr.match === this.#log.lastIndex()) {
      this.#send({ type: "timeoutNow", to: m.from });
    }
  }

  #handleHeartbeatResp(m: MessageOf<"heartbeatResp">): void {
    const pr = this.#progress.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    pr.probeSent = false;
    if (pr.state === "replicate" && pr.inflight.length >= pr.maxInflight) pr.inflight.shift();
    // The one place a replicating learner gets an empty append: its last append may be lost.
    if (pr.match < this.#log.lastIndex()) this.#sendAppend(m.from, { probeLearner: true });
    if (m.readSeq > 0) this.#respondReads(this.#reads.ack(m.from, m.readSeq, this.#conf.voters));
  }

  #handleReadIndex(ctx: string, from: string): void {
    if (this.#log.term(this.#log.committed) !== this.#term) {
      // The commit index is only known to be current once an entry of this term commits.
      this.#readsBeforeCommit.push({ ctx, from });
      return;
    }
    this.#reads.add(this.#log.committed, ctx, from, this.id);
    this.#respondReads(this.#reads.release(this.#conf.voters));
    if (this.#reads.size > 0) this.#bcastHeartbeat(false); // only voters confirm reads
  }

  #respondReads(reads: PendingRead[]): void {
    for (const r of reads) {
      if (r.from === this.id) this.#readStates.push({ ctx: r.ctx, index: r.index });
      else {
        // A paced learner gets its entries now: its read waits to apply up to `r.index`.
        if (this.#conf.learners.includes(r.from)) {
          this.#sendAppend(r.from, { ifEmpty: false, unpaced: true });
        }
        this.#send({ type: "readIndexResp", to: r.from, ctx: r.ctx, index: r.index });
      }
    }
  }

  // ---------------------------------------------------------------- replication

  #assertCanPropose(): void {
    if (this.#role !== "leader") {
      throw new RaftError("NOT_LEADER", `node ${this.id} is not the leader`, this.#lead);
    }
    if (this.#transferee !== null) {
      throw new RaftError(
        "TRANSFER_IN_PROGRESS",
        `leadership is being transferred to ${this.#transferee}`,
        this.id,
      );
    }
  }

  #appendAsLeader(e: Entry): Entry {
    const entry = { ...e, index: this.#log.lastIndex() + 1, term: this.#term };
    this.#log.append([entry]);
    this.#refreshConfAfter([entry]);
    this.#maybeCommit();
    return entry;
  }

  /** The leader's own match: only what the shell reported durable counts (see advance). */
  #matchOf = (id: string): number => {
    if (id === this.id) {
      const last = this.#log.lastIndex();
      return this.#unsafeSelf ? last : Math.min(last, this.#log.unstableFrom - 1);
    }
    return this.#progress.get(id)?.match ?? 0;
  };

  /** Advances the commit index to what a majority holds; true if it moved. */
  #maybeCommit(): boolean {
    const log = this.#log;
    const mi = majorityIndex(this.#conf.voters, this.#matchOf);
    if (mi <= log.committed) return false;
    if (log.term(mi) !== this.#term && !this.#unsafeCommit) return false;
    log.commitTo(mi);
    if (this.#confIndex <= mi) this.#confCommitted = Math.max(this.#confCommitted, this.#confIndex);
    if (log.term(log.committed) === this.#term && this.#readsBeforeCommit.length > 0) {
      const waiting = this.#readsBeforeCommit;
      this.#readsBeforeCommit = [];
      for (const r of waiting) this.#handleReadIndex(r.ctx, r.from);
    }
    if (!isVoter(this.#conf, this.id) && this.#confIndex <= log.committed) {
      this.#stepDownAfterRemoval();
    }
    return true;
  }

  /** The leader's own removal committed: hand over to the most up-to-date voter and leave. */
  #stepDownAfterRemoval(): void {
    this.#bcastAppend();
    let best: string | null = null;
    for (const v of this.#conf.voters) {
      const pr = this.#progress.get(v);
      if (pr && pr.match === this.#log.lastIndex() && best === null) best = v;
    }
    if (best !== null) this.#send({ type: "timeoutNow", to: best });
    this.#becomeFollower(this.#term, null);
  }

  #bcastAppend(): void {
    for (const id of this.#progress.keys()) this.#sendAppend(id);
  }

  /** Heartbeats to the voters (`voters`) and the learners (`learners`). */
  #bcastHeartbeat(learners: boolean, voters = true): void {
    const readSeq = this.#reads.lastSeq();
    const learner = new Set(this.#conf.learners);
    for (const [id, pr] of this.#progress) {
      if (!(learner.has(id) ? learners : voters)) continue;
      const commit = Math.min(pr.match, this.#log.committed);
      this.#send({ type: "heartbeat", to: id, commit, readSeq });
    }
  }

  /**
   * Sends `to` what it misses (entries or the snapshot); false if nothing was sent.
   * `ifEmpty` (default true): an append without entries may go (a probe); `probeLearner`:
   * even to a replicating learner with an append in flight (only a heartbeat answer asks for
   * that); `unpaced`: a replicating learner gets its entries now, not at its pace (see
   * `learnerPaceTicks`).
   */
  #sendAppend(
    to: string,
    { ifEmpty = true, probeLearner = false, unpaced = false }: {
      ifEmpty?: boolean;
      probeLearner?: boolean;
      unpaced?: boolean;
    } = {},
  ): boolean {
    if (this.#role !== "leader") return false;
    const pr = this.#progress.get(to);
    if (!pr || pr.isPaused()) return false;
    const log = this.#log;
    const prevIndex = pr.next - 1;
    const prevTerm = log.term(prevIndex);
    if (prevTerm === undefined || pr.next < log.firstIndex()) {
      if (!pr.recentActive) return false;
      const snapshot = log.snapshot();
      this.#send({ type: "snapshot", to, snapshot });
      pr.becomeSnapshot(snapshot.meta.index);
      return true;
    }
    // A learner counts in no quorum, so sending it entries before they commit buys nothing:
    // it gets committed entries only, each with the commit index that covers it, so one
    // message per commit reaches it instead of an append and then a commit notice.
    const learner = this.#conf.learners.includes(to);
    const last = learner && !this.#unsafeLearners
      ? Math.min(log.lastIndex(), log.committed)
      : log.lastIndex();
    // A paced learner's entries wait for its pace (see learnerPaceTicks), unless half a
    // message is waiting: that bounds how far behind pacing keeps it (the autopilot promotes
    // caught-up learners only), or they hold a committed configuration change: a learner
    // learns the members' roles at once, as a voter does. A heartbeat answer may still
    // probe it, with no entries.
    const paced = learner && pr.state === "replicate" && this.#learnerPaceTicks > 0 &&
      !unpaced && last - pr.next + 1 < this.#learnerBurst && pr.next > this.#confCommitted;
    const entries = !paced && pr.next <= last
      ? log.slice(pr.next, last + 1, this.#maxEntries, this.#maxBytes)
      : [];
    // A replicating learner needs no empty append: heartbeats carry the commit, and one whose
    // append is in flight gets the next committed entries as they commit. Only a heartbeat
    // answer (`probeLearner`) probes one whose last append may be lost (next beyond match);
    // sending it on every proposal doubled a learner's messages under load.
    const idle = learner && pr.state === "replicate" &&
      (pr.match >= pr.next - 1 || !probeLearner);
    if (entries.length === 0 && (!ifEmpty || idle)) return false;
    const commit = learner && this.#unsafeLearners
      ? Math.max(log.committed, prevIndex + entries.length)
      : log.committed;
    this.#send({ type: "append", to, prevIndex, prevTerm, entries, commit });
    pr.sentAppend(prevIndex + entries.length, entries.length);
    return true;
  }

  // ---------------------------------------------------------------- configuration

  /** Recomputes the configuration if `appended` or a truncation may have changed it. */
  #refreshConfAfter(appended: readonly Entry[]): void {
    const log = this.#log;
    const stale = this.#confIndex > log.lastIndex() ||
      (this.#confIndex > log.snapshotMeta.index && log.entry(this.#confIndex)?.type !== "conf") ||
      appended.some((e) => e.type === "conf");
    if (stale) this.#refreshConf();
  }

  #refreshConf(): void {
    const { conf, index } = this.#log.lastConf();
    this.#conf = conf;
    this.#confIndex = index;
    if (this.#role !== "leader") return;
    const next = this.#log.lastIndex() + 1;
    for (const m of members(conf)) {
      if (m !== this.id && !this.#progress.has(m)) {
        this.#progress.set(m, new Progress(next, this.#maxInflight));
      }
    }
    for (const id of [...this.#progress.keys()]) {
      if (!isMember(conf, id)) this.#progress.delete(id);
    }
    if (this.#transferee !== null && !isVoter(conf, this.#transferee)) this.#transferee = null;
  }

  #send(m: Outgoing): void {
    this.#msgs.push({ ...m, from: this.id, term: m.term ?? this.#term } as Message);
  }
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
