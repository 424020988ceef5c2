import { REAL_TIMERS, type TimerHandle, type Timers } from "../async/mod.ts";
import { confOf } from "./conf.ts";
import { RaftError } from "./errors.ts";
import { MAX_ENTRY_DATA_BYTES } from "./kv-storage.ts";
import { RELEASED_SNAPSHOT_DATA } from "./log.ts";
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  NormalEntry,
  Snapshot,
} from "./messages.ts";
import { RaftNode, type RaftOptions, type Ready, type Role, type SoftState } from "./node.ts";
import type { RaftStorage } from "./storage.ts";
import { Waiters } from "./waiters.ts";

/**
 * The shell around a {@link RaftNode}: owns the tick timer, runs ready cycles in order
 * (send a leader's appends, persist while applying what was already committed, send the
 * rest), and turns proposals and reads into promises (kept by {@link Waiters}). Storage,
 * transport, state machine and timers are injected. Failures are {@link RaftError}s; mapping them onto HTTP is the caller's job.
 * @module
 */

/** Sends Raft messages to peers (fire and forget; loss is tolerated). */
export interface RaftTransport {
  /**
   * Sends `msg` to node `to`. A thrown error or rejected promise reports `to` unreachable.
   */
  send(to: string, msg: Message): void | Promise<void>;
}

/**
 * The replicated state machine. `apply` must be deterministic and should not throw (a
 * throw rejects the proposer's promise but the entry still counts as applied).
 */
export interface RaftStateMachine<R = unknown> {
  /** Applies a committed command; the result resolves the proposer's promise. */
  apply(entry: NormalEntry): R | Promise<R>;
  /** Serializes the whole state (as of the last applied entry). */
  snapshot(): Uint8Array | Promise<Uint8Array>;
  /** Replaces the whole state with a snapshot's bytes. */
  restore(data: Uint8Array): void | Promise<void>;
  /**
   * Whether the commit of this entry must be durable before it is applied, though commit
   * indexes are otherwise saved lazily: e.g. membership, which a restarted node needs to know
   * before it will hear its peers (default: no entry; configuration changes always are).
   */
  mustPersistCommit?(entry: NormalEntry): boolean;
}

/** Options of {@link RaftDriver.open}. */
export interface RaftDriverOptions<R> {
  /** This node's id. */
  id: string;
  /** Durable storage. */
  storage: RaftStorage;
  /** Outgoing messages. */
  transport: RaftTransport;
  /** The replicated state machine. */
  stateMachine: RaftStateMachine<R>;
  /**
   * Founding voters, used only when the storage is empty: a founding member starts from
   * this configuration; a node started without it waits to be added by a leader.
   */
  initialVoters?: string[];
  /** Milliseconds per tick (default 100); 0 disables the timer (call {@link RaftDriver.tick}). */
  tickMs?: number;
  /** Timers (default: the global ones). */
  timers?: Timers;
  /** Core tuning (election and heartbeat ticks, pre-vote, ...). */
  raft?: Omit<RaftOptions, "id">;
  /** Ticks after which a proposal or read gives up (default 5 election timeouts). */
  requestTimeoutTicks?: number;
  /** Applied entries between snapshots (default 1000). */
  snapshotThreshold?: number;
  /** Largest command accepted by {@link RaftDriver.propose} (default {@link MAX_ENTRY_DATA_BYTES}). */
  maxCommandBytes?: number;
  /** Called with errors the driver survives (send failures are not reported). */
  onError?: (error: unknown) => void;
  /**
   * Called at each stage of a write's path through this node (see {@link RaftTraceStage}),
   * with the highest log index the stage concerns; for per-stage timing
   * (`bench/write-stages.ts`). Off (not called) by default.
   */
  trace?: RaftTrace;
}

/**
 * The stages {@link RaftDriverOptions.trace} reports (the shell around the driver may add
 * `request` / `result`, a write entering and leaving the node): `propose` (a command is in the leader's
 * log), `append-sent` (a leader's append left for a follower), `append-received` (a follower
 * got entries), `save` / `saved` (a ready cycle's storage write starts / is durable),
 * `ack-sent` / `ack-received` (a follower's append response), `commit` (a cycle starts
 * applying committed entries), `applied` (the last of them is applied).
 */
export type RaftTraceStage =
  | "request"
  | "result"
  | "propose"
  | "append-sent"
  | "append-received"
  | "save"
  | "saved"
  | "ack-sent"
  | "ack-received"
  | "commit"
  | "applied";

/** A per-stage observer of a driver (see {@link RaftDriverOptions.trace}). */
export type RaftTrace = (stage: RaftTraceStage, index: number, peer?: string) => void;

/** The cluster as one node sees it (served by `GET /api/v1/cluster`). */
export interface ClusterStatus {
  /** This node. */
  id: string;
  /** Its role. */
  role: Role;
  /** Known leader. */
  leader: string | null;
  /** Current term. */
  term: number;
  /** Commit index. */
  commitIndex: number;
  /** Applied index. */
  appliedIndex: number;
  /** Last log index. */
  lastIndex: number;
  /** Latest snapshot index. */
  snapshotIndex: number;
  /** Voters and learners. */
  members: ConfState;
  /** The latest membership change is not committed yet (another one would be refused). */
  confPending: boolean;
  /** On the leader: the highest replicated index of every member (itself included). */
  matchIndex: Record<string, number>;
}

const textEncoder = new TextEncoder();

/**
 * Runs one Raft node.
 *
 * @example
 * ```ts
 * const driver = await RaftDriver.open({
 *   id: "a", storage: await KvStorage.open("raft.kv"), transport, stateMachine,
 *   initialVoters: ["a", "b", "c"],
 * });
 * driver.start();
 * transportOnMessage((msg) => driver.receive(msg));
 * const result = await driver.propose(JSON.stringify(command));
 * await driver.linearizableRead(); // then read the state machine
 * ```
 */
export class RaftDriver<R = unknown> {
  /** This node's id. */
  readonly id: string;
  readonly #node: RaftNode;
  readonly #opts: RaftDriverOptions<R>;
  readonly #timers: Timers;
  readonly #timeoutTicks: number;
  #timer: TimerHandle | null = null;
  #ticks = 0;
  #busy = false;
  #idle: Promise<void> = Promise.resolve();
  #stopped = false;
  /** Snapshot messages being read back from storage before they go out. */
  readonly #snapshotSends = new Set<Promise<void>>();
  /** The read those sends share (one copy of the bytes however many followers lag). */
  #snapshotRead: Promise<Snapshot | undefined> | undefined;
  #readSeq = 0;
  readonly #waiters = new Waiters();
  /** Proposals that arrived while a ready cycle ran: proposed together before the next one. */
  #queued: { data: Uint8Array; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  #soft: SoftState = { leader: null, role: "follower" };
  /** Term and vote as last persisted. */
  #durable: { term: number; vote: string | null };
  /** The commit index this node had persisted when it opened. */
  readonly #openCommit: number;
  /** The hard state of the last ready cycle done (its commit index may not be saved). */
  #lastHard: HardState | undefined;
  /** The commit index last saved (or loaded). */
  #savedCommit: number;

  private constructor(node: RaftNode, opts: RaftDriverOptions<R>) {
    this.id = opts.id;
    this.#node = node;
    const st = node.status();
    this.#durable = { term: st.term, vote: st.vote };
    this.#openCommit = this.#savedCommit = st.commitIndex;
    this.#opts = opts;
    this.#timers = opts.timers ?? REAL_TIMERS;
    this.#timeoutTicks = opts.requestTimeoutTicks ?? 5 * (opts.raft?.electionTicks ?? 10);
  }

  /**
   * Loads the node's state from storage (bootstrapping a founding member from
   * `initialVoters` when the storage is empty), restores the state machine from the latest
   * snapshot, and returns a driver that is not ticking yet (see {@link start}).
   */
  static async open<R>(opts: RaftDriverOptions<R>): Promise<RaftDriver<R>> {
    const state = await opts.storage.load();
    const empty = !state.snapshot && state.entries.length === 0 && state.hardState.term === 0;
    if (empty && opts.initialVoters && opts.initialVoters.length > 0) {
      const snapshot = {
        meta: { index: 0, term: 0, conf: confOf(opts.initialVoters) },
        data: new Uint8Array(),
      };
      await opts.storage.save({ snapshot, entries: [] });
      state.snapshot = snapshot;
    }
    if (state.snapshot && state.snapshot.meta.index > 0) {
      await opts.stateMachine.restore(state.snapshot.data);
    }
    const node = new RaftNode({ ...opts.raft, id: opts.id }, state);
    if (opts.storage.readSnapshot) node.releaseSnapshotData(); // stored: read back when sent
    const { voters } = node.conf;
    if (voters.length === 1 && voters[0] === opts.id) node.releaseCampaign(); // nobody to hear
    return new RaftDriver(node, opts);
  }

  /** Starts the tick timer; a sole founding voter campaigns at once. */
  start(): void {
    if (this.#stopped || this.#timer !== null) return;
    const ms = this.#opts.tickMs ?? 100;
    if (ms > 0) this.#timer = this.#timers.every(() => this.tick(), ms);
    const { voters } = this.#node.conf;
    if (voters.length === 1 && voters[0] === this.id && this.#node.role !== "leader") {
      this.#node.campaign();
      this.#kick();
    }
  }

  /**
   * Stops ticking, waits for the current ready cycle and for snapshots being read back to
   * send, saves the commit index a cycle left unsaved (see {@link #saveCommit}), and fails
   * every waiting request.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopTimer();
    await this.#idle;
    await Promise.allSettled(this.#snapshotSends);
    await this.#saveCommit();
    const stopped = new RaftError("STOPPED", `raft node ${this.id} stopped`);
    for (const q of this.#queued.splice(0)) q.reject(stopped);
    this.#waiters.failAll(stopped);
  }

  /** Advances logical time by one tick (called by the timer, or by tests). */
  tick(): void {
    if (this.#stopped) return;
    this.#ticks++;
    this.#node.tick();
    this.#waiters.expire(this.#ticks);
    this.#kick();
  }

  /** Hands the node a message from a peer (already validated, e.g. by `decodeMessage`). */
  receive(msg: Message): void {
    if (this.#stopped) return;
    this.#traceMessage(msg, false);
    this.#node.step(msg);
    this.#kick();
  }

  /**
   * Proposes a command; resolves with the state machine's result once it is applied here.
   * @throws {RaftError} `NOT_LEADER` (`leader` names the leader), `TOO_LARGE`,
   * `TRANSFER_IN_PROGRESS`, `NOT_COMMITTED` (the entry was replaced: it did not commit),
   * `TIMEOUT` / `OVERTAKEN` / `STOPPED` (outcome unknown: see {@link outcomeUnknown}) or
   * `APPLY_FAILED`
   */
  propose(command: Uint8Array | string): Promise<R> {
    const data = typeof command === "string" ? textEncoder.encode(command) : command;
    const max = this.#opts.maxCommandBytes ?? MAX_ENTRY_DATA_BYTES;
    if (data.length > max) {
      return Promise.reject(
        new RaftError("TOO_LARGE", `command of ${data.length} bytes exceeds ${max}`, null, {
          size: data.length,
          max,
        }),
      );
    }
    if (this.#stopped) return Promise.reject(this.#stoppedError());
    if (this.#busy && this.#node.role === "leader") {
      // Group commit: while a cycle persists, proposals gather; the next cycle appends them
      // as one batch (one storage write, one append message per follower).
      return new Promise<R>((resolve, reject) =>
        this.#queued.push({ data, resolve: resolve as (v: unknown) => void, reject })
      );
    }
    return this.#track(() => this.#node.propose(data)) as Promise<R>;
  }

  /** Proposes the queued commands as one batch, settling each one's promise. */
  #flushQueued(): void {
    const batch = this.#queued;
    if (batch.length === 0) return;
    this.#queued = [];
    let tickets: { index: number; term: number }[];
    try {
      tickets = this.#node.proposeMany(batch.map((q) => q.data));
    } catch (e) {
      for (const q of batch) q.reject(e);
      return;
    }
    const deadline = this.#ticks + this.#timeoutTicks;
    this.#opts.trace?.("propose", tickets[tickets.length - 1].index);
    tickets.forEach((t, i) => {
      this.#waiters.proposal(t.index, t.term, deadline).then(batch[i].resolve, batch[i].reject);
    });
  }

  /**
   * Proposes a single-server membership change; resolves with the new configuration once
   * it is applied here.
   * @throws {RaftError} as {@link propose}, plus `CONF_CHANGE_PENDING` when another change
   * is pending and `INVALID_CONF_CHANGE` when the change makes no sense
   */
  proposeConfChange(change: ConfChange): Promise<ConfState> {
    return this.#track(() => this.#node.proposeConfChange(change)) as Promise<ConfState>;
  }

  /**
   * Waits until this node's state machine reflects every write acknowledged before the
   * call (ReadIndex); then reading the state machine is linearizable. Resolves with the
   * read index.
   * @throws {RaftError} `NOT_LEADER` when no leader is known, `LEADER_CHANGED` when
   * leadership changes meanwhile, `TIMEOUT`, `STOPPED`
   */
  linearizableRead(): Promise<number> {
    if (this.#stopped) return Promise.reject(this.#stoppedError());
    const ctx = `${this.id}/${++this.#readSeq}`;
    try {
      this.#node.readIndex(ctx);
    } catch (e) {
      return Promise.reject(e);
    }
    const promise = this.#waiters.read(ctx, this.#ticks + this.#timeoutTicks);
    this.#kick();
    return promise;
  }

  /**
   * Asks the leader (this node) to hand leadership to voter `to`.
   * @throws {RaftError} `NOT_LEADER` or `INVALID_ARGUMENT`
   */
  transferLeadership(to: string): void {
    this.#node.transferLeadership(to);
    this.#kick();
  }

  /** Starts an election now. */
  campaign(): void {
    this.#node.campaign();
    this.#kick();
  }

  /** Lets a node opened with `raft.holdCampaign` campaign (no leader could be found). */
  releaseCampaign(): void {
    this.#node.releaseCampaign();
  }

  /** True while campaigning is held until a leader is heard from. */
  get campaignHeld(): boolean {
    return this.#node.campaignHeld;
  }

  /** The transport could not reach `to`. */
  reportUnreachable(to: string): void {
    this.#node.reportUnreachable(to);
  }

  /** The cluster as this node sees it. */
  status(): ClusterStatus {
    const st = this.#node.status();
    const matchIndex: Record<string, number> = {};
    if (st.progress) {
      if (st.conf.voters.includes(this.id) || st.conf.learners.includes(this.id)) {
        matchIndex[this.id] = st.lastIndex;
      }
      for (const [id, p] of Object.entries(st.progress)) matchIndex[id] = p.match;
    }
    return {
      id: st.id,
      role: st.role,
      leader: st.leader,
      term: st.term,
      commitIndex: st.commitIndex,
      appliedIndex: st.appliedIndex,
      lastIndex: st.lastIndex,
      snapshotIndex: st.snapshotIndex,
      members: { voters: [...st.conf.voters], learners: [...st.conf.learners] },
      confPending: st.confIndex > st.commitIndex,
      matchIndex,
    };
  }

  /**
   * Resolves once the state machine has applied every entry this node knew committed when it
   * opened (its persisted commit index): a restarted node's state then holds at least what it
   * held when it stopped, so its shell can decide on it as it starts (which agents to restore,
   * and how). Local: it needs no peer. Resolves at once on a stopped driver.
   */
  async appliedAsAtOpen(): Promise<void> {
    while (!this.#stopped && this.#node.appliedIndex < this.#openCommit) {
      this.#kick();
      await this.#idle;
    }
  }

  /** Resolves when the current ready cycle (if any) is done; for tests and shutdown. */
  whenIdle(): Promise<void> {
    return this.#idle;
  }

  // ---------------------------------------------------------------- internals

  #track(propose: () => { index: number; term: number }): Promise<unknown> {
    if (this.#stopped) return Promise.reject(this.#stoppedError());
    let ticket: { index: number; term: number };
    try {
      ticket = propose();
    } catch (e) {
      return Promise.reject(e);
    }
    this.#opts.trace?.("propose", ticket.index);
    const promise = this.#waiters.proposal(
      ticket.index,
      ticket.term,
      this.#ticks + this.#timeoutTicks,
    );
    this.#kick();
    return promise;
  }

  /**
   * At a clean stop: saves the commit index of the last ready cycle done when a cycle that
   * only moved it left it unsaved (they are saved lazily), so that the node, reopened,
   * applies as much as it knew committed before it starts (`appliedAsAtOpen`). Safe: that
   * index was committed, and every entry up to it is stored (a cycle saves its entries with
   * its hard state, and one that only moves the commit index has no new entries). Its term
   * and vote are the stored ones (a cycle that changes them saves them). A failed save is
   * reported (`onError`) and changes nothing: the stored commit index only lags.
   */
  async #saveCommit(): Promise<void> {
    const hard = this.#lastHard;
    if (!hard || hard.commit <= this.#savedCommit) return;
    try {
      await this.#opts.storage.save({ hardState: hard, entries: [] });
      this.#savedCommit = hard.commit;
    } catch (e) {
      this.#opts.onError?.(e);
    }
  }

  #stoppedError(): RaftError {
    return new RaftError("STOPPED", `raft node ${this.id} is stopped`);
  }

  #stopTimer(): void {
    if (this.#timer !== null) this.#timers.clear(this.#timer);
    this.#timer = null;
  }

  #kick(): void {
    if (this.#busy || this.#stopped) return;
    this.#idle = this.#run();
  }

  async #run(): Promise<void> {
    this.#busy = true;
    try {
      for (;;) {
        if (!this.#stopped) this.#flushQueued();
        if (this.#stopped || !this.#node.hasReady()) break;
        await this.#cycle(this.#node.ready());
      }
    } catch (e) {
      // Storage failed: this node can no longer promise durability. Stop it.
      this.#opts.onError?.(e);
      this.#stopped = true;
      this.#stopTimer();
      for (const q of this.#queued.splice(0)) {
        q.reject(new RaftError("STORAGE_FAILED", `raft node ${this.id} failed: ${String(e)}`));
      }
      this.#waiters.failAll(
        new RaftError("STORAGE_FAILED", `raft node ${this.id} failed: ${String(e)}`, null, {}, {
          cause: e,
        }),
      );
    } finally {
      this.#busy = false;
    }
  }

  async #cycle(rd: Ready): Promise<void> {
    const node = this.#node;
    if (rd.softState) this.#onSoftState(rd.softState);
    // Leader pipelining (as etcd): a leader's appends and heartbeats go out before its own
    // entries are durable, so that followers persist in parallel with it. Safe because the
    // core counts the leader's own entries in the commit quorum only after advance() reports
    // them persisted. Everything else (votes, append responses: promises about this node's
    // durable log, term or vote) waits for the save, and so does everything while the term or
    // vote changes in this cycle (a message must never carry a term not yet durable here).
    const early = !rd.snapshot && !this.#changesTermOrVote(rd);
    // A hard state that only moves the commit index is not saved on its own (as etcd does
    // not sync it): the stored commit index may lag, which is safe (a restart applies less
    // and learns the rest from the leader), and it is saved with the next entries or
    // term/vote change. A one-node cluster thus pays one save per write, not two. Except when
    // it commits a configuration change or an entry the state machine pins (membership): a
    // node restarted without it would not know its peers, refuse their frames, and never
    // learn the commit from them.
    const pinned = early && rd.committedEntries.some((e) =>
      e.type === "conf" ||
      (e.type === "normal" && this.#opts.stateMachine.mustPersistCommit?.(e) === true)
    );
    const commitOnly = rd.hardState !== undefined && early && rd.entries.length === 0 && !pinned;
    // Apply while saving (as etcd's server does): what `committedEntries` holds is already
    // durable on a quorum (the core counts the leader's own entries only once advance()
    // reports them saved), so it is applied, and its proposers answered, while this cycle's
    // new entries are being saved, instead of after that save. Not when the cycle installs a
    // snapshot (the entries follow it) or changes the term or vote, nor for a pinned commit
    // (a configuration change or membership command applies only once its commit is durable).
    const applyEarly = early && !pinned;
    // Voters' appends first: the commit waits for them. A learner counts in no quorum and
    // gets committed entries only, so its appends go out after this cycle's apply has
    // answered the writers (20 learners are 20 socket writes a writer need not wait for).
    let late = rd.messages;
    const afterApply: Message[] = [];
    if (early) {
      late = [];
      const learners = node.conf.learners;
      for (const m of rd.messages) {
        if (m.type !== "append" && m.type !== "heartbeat") late.push(m);
        else if (learners.includes(m.to)) afterApply.push(m);
        else this.#send(m);
      }
    }
    const trace = this.#opts.trace;
    let saving: Promise<void> | undefined;
    if (rd.snapshot || rd.entries.length > 0 || (rd.hardState && !commitOnly)) {
      const savedTo = rd.entries.at(-1)?.index ?? rd.hardState?.commit ?? 0;
      trace?.("save", savedTo);
      saving = (async () => {
        await this.#opts.storage.save({
          hardState: rd.hardState,
          snapshot: rd.snapshot,
          entries: rd.entries,
        });
        trace?.("saved", savedTo);
      })();
      // Awaited below; until then a failure must not count as an unhandled rejection.
      saving.catch(() => {});
    }
    if (applyEarly) await this.#applyCommitted(rd.committedEntries);
    for (const m of afterApply) this.#send(m);
    if (saving) {
      await saving;
      if (rd.hardState) {
        this.#durable = { term: rd.hardState.term, vote: rd.hardState.vote };
        this.#savedCommit = rd.hardState.commit;
      }
    }
    if (rd.snapshot) {
      await this.#opts.stateMachine.restore(rd.snapshot.data);
      this.#waiters.overtaken(rd.snapshot.meta.index);
      if (this.#opts.storage.readSnapshot) node.releaseSnapshotData();
    }
    for (const m of late) this.#send(m);
    if (!applyEarly) await this.#applyCommitted(rd.committedEntries);
    for (const rs of rd.readStates) this.#waiters.confirmed(rs.ctx, rs.index);
    node.advance(rd);
    if (rd.hardState) this.#lastHard = rd.hardState;
    const applied = node.appliedIndex;
    this.#waiters.applied(applied);
    const threshold = this.#opts.snapshotThreshold ?? 1000;
    if (applied - node.snapshotIndex >= threshold) {
      const data = await this.#opts.stateMachine.snapshot();
      await this.#opts.storage.compact(node.compact(applied, data));
      if (this.#opts.storage.readSnapshot) node.releaseSnapshotData();
    }
  }

  /** Applies committed entries in order, answering their proposers. */
  async #applyCommitted(entries: readonly Entry[]): Promise<void> {
    const last = entries.at(-1)?.index;
    if (last === undefined) return;
    const trace = this.#opts.trace;
    trace?.("commit", last);
    for (const e of entries) await this.#apply(e);
    trace?.("applied", last);
  }

  #changesTermOrVote(rd: Ready): boolean {
    const hs = rd.hardState;
    return hs !== undefined && (hs.term !== this.#durable.term || hs.vote !== this.#durable.vote);
  }

  async #apply(e: Entry): Promise<void> {
    const p = this.#waiters.take(e);
    if (e.type === "normal") {
      try {
        const result = await this.#opts.stateMachine.apply(e);
        p?.resolve(result);
      } catch (err) {
        this.#opts.onError?.(err);
        p?.reject(
          new RaftError("APPLY_FAILED", `applying entry ${e.index} failed`, null, {
            index: e.index,
          }, { cause: err }),
        );
      }
    } else if (e.type === "conf") {
      p?.resolve(e.conf);
    } else {
      p?.resolve(undefined);
    }
  }

  #send(m: Message): void {
    if (m.type === "snapshot" && m.snapshot.data === RELEASED_SNAPSHOT_DATA) {
      const sending = this.#sendStoredSnapshot(m);
      this.#snapshotSends.add(sending);
      const done = () => {
        this.#snapshotSends.delete(sending);
        if (this.#snapshotSends.size === 0) this.#snapshotRead = undefined;
      };
      sending.then(done, done);
      return;
    }
    this.#traceMessage(m, true);
    const failed = () => {
      this.#node.reportUnreachable(m.to);
      if (m.type === "snapshot") this.#node.reportSnapshot(m.to, false);
    };
    try {
      const r = this.#opts.transport.send(m.to, m);
      if (r instanceof Promise) r.catch(failed);
    } catch {
      failed();
    }
  }

  /**
   * Sends a snapshot message whose bytes the log released (they are stored), reading them
   * back from storage. If the stored snapshot is no longer the one the message names (a
   * newer compaction) or cannot be read, the send counts as failed and the core retries.
   */
  async #sendStoredSnapshot(m: Extract<Message, { type: "snapshot" }>): Promise<void> {
    const { index, term } = m.snapshot.meta;
    let stored;
    try {
      this.#snapshotRead ??= Promise.resolve(this.#opts.storage.readSnapshot?.());
      stored = await this.#snapshotRead;
    } catch (e) {
      this.#snapshotRead = undefined;
      this.#opts.onError?.(e);
    }
    if (this.#stopped) return;
    if (stored?.meta.index === index && stored.meta.term === term) {
      this.#send({ ...m, snapshot: stored });
    } else {
      if (!stored || stored.meta.index < index) this.#snapshotRead = undefined; // read too early
      this.#node.reportSnapshot(m.to, false);
    }
  }

  /** Reports an append with entries or an accepting append response, sent or received. */
  #traceMessage(m: Message, sent: boolean): void {
    const trace = this.#opts.trace;
    if (!trace) return;
    const peer = sent ? m.to : m.from;
    if (m.type === "append" && m.entries.length > 0) {
      trace(sent ? "append-sent" : "append-received", m.prevIndex + m.entries.length, peer);
    } else if (m.type === "appendResp" && !m.reject) {
      trace(sent ? "ack-sent" : "ack-received", m.index, peer);
    }
  }

  #onSoftState(soft: SoftState): void {
    if (soft.leader !== this.#soft.leader) this.#waiters.leaderChanged(soft.leader);
    this.#soft = soft;
  }
}
