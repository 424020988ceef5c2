import {
  type ConfEntry,
  MemoryStorage,
  type Message,
  RaftError,
  RaftNode,
  type RaftOptions,
  type Ready,
  RELEASED_SNAPSHOT_DATA,
} from "../../runtime/raft/mod.ts";
import type { History, Op } from "./history.ts";
import type { InvariantChecker } from "./invariants.ts";
import { decodePut, encodePut, KvMachine } from "./kv-machine.ts";

/**
 * A simulated server: a {@link RaftNode} with in-memory storage and a key-value state
 * machine, run synchronously (each ready cycle is persisted, sent and applied at once), and
 * the client operations it is serving. A crash drops everything but the storage. In
 * pipelined mode a save completes only later ({@link SimNode.flush}), as with a real disk:
 * a leader's appends go out before it, entries already committed apply (and answer their
 * clients) meanwhile, and a crash meanwhile loses the write.
 * @module
 */

/** What a simulated node needs from the cluster around it. */
export interface SimNodeEnv {
  /** Puts a message on the network. */
  send(msg: Message): void;
  /** Safety checks. */
  checker: InvariantChecker;
  /** Client history. */
  history: History;
  /** A membership change was applied by `node` at `entry.index`. */
  onConfApplied(node: string, entry: ConfEntry): void;
  /** As the driver: a hard state that only moves the commit index is not saved alone. */
  lazyCommit(): boolean;
  /**
   * Bad variant: a restart takes the whole stored log as committed (as if a commit index
   * that was not saved could be recovered as the last index).
   */
  unsafeRestoreCommitAsLast(): boolean;
  /**
   * Bad variant: with committed entries applied while a save is pending, a node also sends
   * its append responses before its save (acknowledging entries it may still lose).
   */
  unsafeEarlyAcks(): boolean;
}

interface PendingWrite {
  term: number;
  op: Op;
}

/** One simulated server. */
export class SimNode {
  /** Its id. */
  readonly id: string;
  /** Its durable storage (survives crashes). */
  readonly storage: MemoryStorage;
  /** The running Raft node, or null while crashed. */
  raft: RaftNode | null = null;
  /** When (logical time) a message from each peer last arrived (volatile). */
  readonly heard = new Map<string, number>();
  /** The state machine (rebuilt on restart). */
  sm = new KvMachine();
  #env: SimNodeEnv;
  #compactEvery: number;
  #unsafeLocalReads: boolean;
  #writes = new Map<number, PendingWrite>();
  #reads = new Map<string, Op>();
  #readWaits: { index: number; op: Op }[] = [];
  #leaderTerm = -1;
  #pipeline: boolean;
  #pending: { rd: Ready; late: Message[]; prevTerm: number; applied: boolean } | null = null;
  #durable: { term: number; vote: string | null } = { term: 0, vote: null };

  /** @param storage durable state; `compactEvery` applied entries between snapshots */
  constructor(
    id: string,
    storage: MemoryStorage,
    env: SimNodeEnv,
    compactEvery: number,
    unsafeLocalReads = false,
    pipeline = false,
  ) {
    this.#pipeline = pipeline;
    this.id = id;
    this.storage = storage;
    this.#env = env;
    this.#compactEvery = compactEvery;
    this.#unsafeLocalReads = unsafeLocalReads;
  }

  /** True while running. */
  get alive(): boolean {
    return this.raft !== null;
  }

  /** Starts (or restarts) from storage. */
  start(options: RaftOptions): void {
    const state = this.storage.load();
    if (this.#env.unsafeRestoreCommitAsLast()) {
      state.hardState.commit = state.entries.at(-1)?.index ?? state.hardState.commit;
    }
    this.#pending = null;
    this.#durable = { term: state.hardState.term, vote: state.hardState.vote };
    this.raft = new RaftNode(options, state);
    this.sm = new KvMachine();
    if (state.snapshot) this.sm.restore(state.snapshot.data);
    this.raft.releaseSnapshotData(); // as the driver: the stored snapshot is read when sent
    this.#leaderTerm = -1;
    this.process();
  }

  /** Crashes: volatile state is lost; clients of pending writes learn nothing. */
  crash(): void {
    this.raft = null;
    this.heard.clear();
    this.#pending = null; // a save still in progress is lost
    for (const w of this.#writes.values()) this.#env.history.unknown(w.op);
    for (const op of this.#reads.values()) this.#env.history.unknown(op);
    for (const w of this.#readWaits) this.#env.history.unknown(w.op);
    this.#writes.clear();
    this.#reads.clear();
    this.#readWaits = [];
  }

  /** Starts a put; returns the leader hint if refused. */
  put(op: Op): string | null {
    const raft = this.raft!;
    try {
      const t = raft.propose(encodePut({ key: op.key, value: op.value! }));
      this.#writes.set(t.index, { term: t.term, op });
      this.process();
      return null;
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
      this.#env.history.fail(op);
      return e.leader;
    }
  }

  /** Starts a linearizable get (ReadIndex); `ctx` must be unique. */
  get(op: Op, ctx: string): void {
    const raft = this.raft!;
    if (this.#unsafeLocalReads) {
      this.#env.history.ok(op, this.sm.get(op.key));
      return;
    }
    try {
      raft.readIndex(ctx);
      this.#reads.set(ctx, op);
      this.process();
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
      this.#env.history.fail(op);
    }
  }

  /** Gives up on an operation (client timeout). */
  abandon(op: Op): void {
    this.#env.history.unknown(op);
    for (const [i, w] of this.#writes) if (w.op === op) this.#writes.delete(i);
    for (const [c, o] of this.#reads) if (o === op) this.#reads.delete(c);
    this.#readWaits = this.#readWaits.filter((w) => w.op !== op);
  }

  /** Delivers a message. */
  step(msg: Message): void {
    this.raft?.step(msg);
    this.process();
  }

  /** Advances logical time by one tick. */
  tick(): void {
    this.raft?.tick();
    this.process();
  }

  /** True while a ready cycle waits for its save (pipelined mode). */
  get saving(): boolean {
    return this.#pending !== null;
  }

  /**
   * Completes the pending save (pipelined mode): the write becomes durable, the rest of the
   * ready cycle runs, and processing goes on.
   */
  flush(): void {
    const p = this.#pending;
    if (!p || !this.raft) return;
    this.#pending = null;
    this.#finish(this.raft, p.rd, p.late, p.prevTerm, p.applied);
    this.process();
  }

  /** Runs ready cycles until the node has nothing left to do (or waits for a save). */
  process(): void {
    const raft = this.raft;
    if (!raft) return;
    const env = this.#env;
    while (this.#pending === null && raft.hasReady()) {
      if (raft.role === "leader" && raft.term !== this.#leaderTerm) {
        this.#leaderTerm = raft.term;
        env.checker.onLeader(this.id, raft.term, raft);
      }
      const rd = raft.ready();
      let prevTerm = 0;
      if (rd.entries.length > 0) {
        const t = raft.termAt(rd.entries[0].index - 1);
        if (t === undefined) {
          throw new Error(`${this.id}: unknown term before persisted entries`);
        }
        prevTerm = t;
      }
      const mustSave = rd.snapshot !== undefined || rd.entries.length > 0 ||
        (rd.hardState !== undefined && !this.#commitOnly(rd));
      if (this.#pipeline && mustSave) {
        // As the driver: a leader's appends and heartbeats go out before the save (unless
        // the term or vote changes in this cycle); the rest waits until the save is durable,
        // which happens later (flush), or never if the node crashes first.
        const hs = rd.hardState;
        const early = !rd.snapshot &&
          !(hs && (hs.term !== this.#durable.term || hs.vote !== this.#durable.vote));
        let late = rd.messages;
        const afterApply: Message[] = [];
        if (early) {
          late = [];
          const learners = raft.conf.learners;
          for (const m of rd.messages) {
            if (
              m.type === "append" || m.type === "heartbeat" ||
              (m.type === "appendResp" && env.unsafeEarlyAcks())
            ) {
              if (learners.includes(m.to)) afterApply.push(m);
              else env.send(m);
            } else late.push(m);
          }
        }
        // As the driver: committed entries apply (and answer their clients) while the save
        // is pending, unless a configuration change is among them; learners' appends follow.
        const applied = early && !rd.committedEntries.some((e) => e.type === "conf");
        if (applied) this.#applyCommitted(rd);
        for (const m of afterApply) env.send(m);
        this.#pending = { rd, late, prevTerm, applied };
        return;
      }
      this.#finish(raft, rd, rd.messages, prevTerm);
    }
    if (raft.role === "leader" && raft.term !== this.#leaderTerm) {
      this.#leaderTerm = raft.term;
      env.checker.onLeader(this.id, raft.term, raft);
    }
  }

  /** Applies `rd`'s committed entries and answers the clients of those written here. */
  #applyCommitted(rd: Ready): void {
    const env = this.#env;
    for (const e of rd.committedEntries) {
      env.checker.onApply(this.id, e);
      if (e.type === "normal") this.sm.apply(decodePut(e.data));
      if (e.type === "conf") env.onConfApplied(this.id, e);
      const w = this.#writes.get(e.index);
      if (w) {
        this.#writes.delete(e.index);
        if (w.term === e.term) env.history.ok(w.op);
        else env.history.fail(w.op);
      }
    }
  }

  /** True if `rd`'s only durable change is the commit index and saving it is lazy. */
  #commitOnly(rd: Ready): boolean {
    const hs = rd.hardState;
    return this.#env.lazyCommit() && hs !== undefined && !rd.snapshot &&
      rd.entries.length === 0 && hs.term === this.#durable.term && hs.vote === this.#durable.vote;
  }

  /**
   * Persists `rd`, sends `msgs`, applies (unless `applied` early), and reports it all to
   * the core.
   */
  #finish(
    raft: RaftNode,
    rd: Ready,
    msgs: readonly Message[],
    prevTerm: number,
    applied = false,
  ): void {
    const env = this.#env;
    if (rd.snapshot) this.sm.restore(rd.snapshot.data);
    if (rd.entries.length > 0) env.checker.onPersist(this.id, rd.entries, prevTerm);
    this.storage.save(this.#commitOnly(rd) ? { ...rd, hardState: undefined } : rd);
    if (rd.snapshot) raft.releaseSnapshotData();
    if (rd.hardState) this.#durable = { term: rd.hardState.term, vote: rd.hardState.vote };
    for (const m of msgs) this.#send(m);
    if (!applied) this.#applyCommitted(rd);
    for (const rs of rd.readStates) {
      const op = this.#reads.get(rs.ctx);
      if (op) {
        this.#reads.delete(rs.ctx);
        this.#readWaits.push({ index: rs.index, op });
      }
    }
    raft.advance(rd);
    if (this.#readWaits.length > 0) {
      const applied = raft.appliedIndex;
      this.#readWaits = this.#readWaits.filter((w) => {
        if (w.index > applied) return true;
        env.history.ok(w.op, this.sm.get(w.op.key));
        return false;
      });
    }
    if (raft.appliedIndex - raft.snapshotIndex >= this.#compactEvery) {
      this.storage.compact(raft.compact(raft.appliedIndex, this.sm.snapshot()));
      raft.releaseSnapshotData();
    }
  }

  /**
   * Sends `m`; a snapshot whose bytes the log released gets them from storage, as the
   * driver does (a stored snapshot other than the one named counts as a failed send).
   */
  #send(m: Message): void {
    if (m.type === "snapshot" && m.snapshot.data === RELEASED_SNAPSHOT_DATA) {
      const stored = this.storage.readSnapshot();
      if (
        stored?.meta.index !== m.snapshot.meta.index || stored.meta.term !== m.snapshot.meta.term
      ) {
        this.raft?.reportSnapshot(m.to, false);
        return;
      }
      m = { ...m, snapshot: stored };
    }
    this.#env.send(m);
  }
}
