import {
  type ConfEntry,
  confOf,
  createRng,
  MemoryStorage,
  type Message,
  type PersistedState,
  type RaftOptions,
  type Rng,
} from "../../runtime/raft/mod.ts";
import { History } from "./history.ts";
import { InvariantChecker } from "./invariants.ts";
import { type NetworkFaults, RELIABLE, SimNetwork } from "./network.ts";
import { SimNode } from "./sim-node.ts";

/**
 * A deterministic in-memory cluster: simulated nodes, a simulated network and a logical
 * clock, all driven by one seeded PRNG. Tests either script it step by step (`settle`,
 * `tick`, `crash`, `net.cut`) or let `scenario.ts` drive it at random.
 * @module
 */

/** Options of a {@link SimCluster}. */
export interface ClusterOptions {
  /** Seed of every random choice (network faults, election timeouts). */
  seed: number;
  /** Raft tuning shared by all nodes. */
  raft?: Omit<RaftOptions, "id" | "random">;
  /** Network faults (default: reliable, no delay). */
  faults?: NetworkFaults;
  /** Applied entries between snapshots (default 1000). */
  compactEvery?: number;
  /** Bad variant for tests: serve gets from the local state machine without ReadIndex. */
  unsafeLocalReads?: boolean;
  /**
   * Saves complete later, at random (see {@link SimCluster.flushSaves}); leaders send their
   * appends before their own save, as the driver does; a crash loses a save in progress.
   */
  pipeline?: boolean;
  /** Restarted nodes hold their campaign until they hear from a leader (as the shell does). */
  holdCampaignOnRestart?: boolean;
}

/** The latest membership change applied anywhere. */
export interface AppliedConf {
  /** Index of the conf entry. */
  index: number;
  /** The entry. */
  entry: ConfEntry;
}

/** A simulated cluster. */
export class SimCluster {
  /** The cluster's random source. */
  readonly rng: Rng;
  /** The network. */
  readonly net: SimNetwork;
  /** Safety checks. */
  readonly checker = new InvariantChecker();
  /** Client history. */
  readonly history = new History();
  /** Every node ever created, crashed or not. */
  readonly nodes = new Map<string, SimNode>();
  /** Nodes removed from the cluster (and stopped for good). */
  readonly removed = new Set<string>();
  /** Logical time. */
  now = 0;
  /** Latest applied membership change. */
  lastConf: AppliedConf | null = null;
  /** Restarted nodes hold their campaign until they hear from a leader (as the shell does). */
  holdCampaignOnRestart: boolean;
  /** Commit-index-only hard states are not saved alone (as the driver does). */
  lazyCommit = false;
  /** Bad variant: a restart takes its whole stored log as committed. */
  unsafeRestoreCommitAsLast = false;
  /** Bad variant: append responses go out before the save they acknowledge. */
  unsafeEarlyAcks = false;
  readonly #opts: ClusterOptions;

  /** Creates an empty cluster. */
  constructor(opts: ClusterOptions) {
    this.#opts = opts;
    this.holdCampaignOnRestart = opts.holdCampaignOnRestart ?? false;
    this.rng = createRng(opts.seed);
    this.net = new SimNetwork(createRng(this.rng.int(2 ** 32)), opts.faults ?? RELIABLE);
  }

  #env = {
    send: (m: Message) => this.net.send(m, this.now),
    checker: this.checker,
    history: this.history,
    lazyCommit: () => this.lazyCommit,
    unsafeRestoreCommitAsLast: () => this.unsafeRestoreCommitAsLast,
    unsafeEarlyAcks: () => this.unsafeEarlyAcks,
    onConfApplied: (_node: string, entry: ConfEntry) => {
      if (!this.lastConf || entry.index > this.lastConf.index) {
        this.lastConf = { index: entry.index, entry };
      }
    },
  };

  #create(id: string, storage: MemoryStorage): SimNode {
    const node = new SimNode(
      id,
      storage,
      this.#env,
      this.#opts.compactEvery ?? 1000,
      this.#opts.unsafeLocalReads,
      this.#opts.pipeline,
    );
    this.nodes.set(id, node);
    this.#start(node);
    return node;
  }

  #start(node: SimNode, restart = false): void {
    const rng = createRng(this.rng.int(2 ** 32));
    const holdCampaign = restart && this.holdCampaignOnRestart;
    node.start({ ...this.#opts.raft, id: node.id, random: rng.next, holdCampaign });
  }

  /** Creates and starts founding members: `ids` as the initial voters, plus `learners`. */
  addFounders(ids: readonly string[], learners: readonly string[] = []): SimNode[] {
    const conf = confOf(ids, learners);
    return [...ids, ...learners].map((id) =>
      this.#create(
        id,
        new MemoryStorage({
          hardState: { term: 0, vote: null, commit: 0 },
          snapshot: { meta: { index: 0, term: 0, conf }, data: new Uint8Array() },
          entries: [],
        }),
      )
    );
  }

  /** Creates and starts a node from a given persisted state (for scripted tests). */
  addNode(id: string, state: PersistedState): SimNode {
    return this.#create(id, new MemoryStorage(state));
  }

  /** Creates and starts a node with empty storage, waiting to be added by the leader. */
  addJoiner(id: string): SimNode {
    return this.#create(id, new MemoryStorage());
  }

  /** The node `id`. */
  node(id: string): SimNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** Crashes node `id` (its storage survives). */
  crash(id: string): void {
    this.node(id).crash();
  }

  /** Restarts node `id` from its storage. */
  restart(id: string): void {
    const n = this.node(id);
    if (!n.alive) this.#start(n, true);
  }

  /** Brings a retired node back (from its old storage), as a node that was away returns. */
  unretire(id: string): void {
    this.removed.delete(id);
    this.restart(id);
  }

  /** Stops node `id` for good (after its removal from the cluster). */
  retire(id: string): void {
    this.node(id).crash();
    this.removed.add(id);
  }

  /** Ids of running nodes. */
  liveIds(): string[] {
    return [...this.nodes.values()].filter((n) => n.alive).map((n) => n.id);
  }

  /** The running leader with the highest term, if any. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (n.raft?.role === "leader" && (!best || n.raft.term > best.raft!.term)) best = n;
    }
    return best;
  }

  /** Ticks node `id`. */
  tick(id: string): void {
    this.node(id).tick();
  }

  /** Ticks every running node `times` times, settling the network after each round. */
  tickAll(times = 1): void {
    for (let t = 0; t < times; t++) {
      for (const n of this.nodes.values()) if (n.alive) n.tick();
      this.settle();
    }
  }

  /** Completes each pending save with probability `chance` (pipelined mode). */
  flushSaves(chance: number): void {
    for (const n of this.nodes.values()) if (n.saving && this.rng.chance(chance)) n.flush();
  }

  /** Delivers one message to its destination (dropped if the destination is down). */
  deliver(m: Message): void {
    const n = this.nodes.get(m.to);
    if (n?.alive) {
      n.heard.set(m.from, this.now);
      n.step(m);
    }
  }

  /** Delivers the messages due at the current time. */
  deliverDue(): void {
    for (let m = this.net.next(this.now); m; m = this.net.next(this.now)) this.deliver(m);
  }

  /**
   * For scripted tests: delivers everything in flight, and what that produces (completing
   * pending saves once the network is empty), until nothing is left or `max` messages
   * went; `keep` may drop messages.
   */
  settle(keep: (m: Message) => boolean = () => true, max = 100_000): void {
    for (let i = 0; i < max; i++) {
      const m = this.net.next(Infinity);
      if (m) {
        if (keep(m)) this.deliver(m);
        continue;
      }
      const saving = [...this.nodes.values()].filter((n) => n.saving);
      if (saving.length === 0) return;
      for (const n of saving) n.flush();
    }
  }
}
