import {
  type ConfEntry,
  MemoryStorage,
  type Message,
  RaftError,
  RaftNode,
  type RaftOptions,
} from "../../runtime/raft/mod.ts";
import type { History, Op } from "./history.ts";
import type { InvariantChecker } from "./invariants.ts";
import { decodePut, encodePut, KvMachine } from "./kv-machine.ts";

/**
 * A simulated server: a {@link RaftNode} with in-memory storage and a key-value state
 * machine, run synchronously (each ready cycle is persisted, sent and applied at once), and
 * the client operations it is serving. A crash drops everything but the storage.
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
  /** The state machine (rebuilt on restart). */
  sm = new KvMachine();
  #env: SimNodeEnv;
  #compactEvery: number;
  #unsafeLocalReads: boolean;
  #writes = new Map<number, PendingWrite>();
  #reads = new Map<string, Op>();
  #readWaits: { index: number; op: Op }[] = [];
  #leaderTerm = -1;

  /** @param storage durable state; `compactEvery` applied entries between snapshots */
  constructor(
    id: string,
    storage: MemoryStorage,
    env: SimNodeEnv,
    compactEvery: number,
    unsafeLocalReads = false,
  ) {
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
    this.raft = new RaftNode(options, state);
    this.sm = new KvMachine();
    if (state.snapshot) this.sm.restore(state.snapshot.data);
    this.#leaderTerm = -1;
    this.process();
  }

  /** Crashes: volatile state is lost; clients of pending writes learn nothing. */
  crash(): void {
    this.raft = null;
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

  /** Runs ready cycles until the node has nothing left to do. */
  process(): void {
    const raft = this.raft;
    if (!raft) return;
    const env = this.#env;
    while (raft.hasReady()) {
      if (raft.role === "leader" && raft.term !== this.#leaderTerm) {
        this.#leaderTerm = raft.term;
        env.checker.onLeader(this.id, raft.term, raft);
      }
      const rd = raft.ready();
      if (rd.snapshot) this.sm.restore(rd.snapshot.data);
      if (rd.entries.length > 0) {
        const prevTerm = raft.termAt(rd.entries[0].index - 1);
        if (prevTerm === undefined) {
          throw new Error(`${this.id}: unknown term before persisted entries`);
        }
        env.checker.onPersist(this.id, rd.entries, prevTerm);
      }
      this.storage.save(rd);
      for (const m of rd.messages) env.send(m);
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
      }
    }
    if (raft.role === "leader" && raft.term !== this.#leaderTerm) {
      this.#leaderTerm = raft.term;
      env.checker.onLeader(this.id, raft.term, raft);
    }
  }
}
