import {
  type ApplyResult,
  type DirectoryCommand,
  type DirectoryProposal,
  listMembers,
} from "../directory/mod.ts";
import { KvWriter } from "../agents/kv-writer.ts";
import { ApiError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import { type NetNode, RAFT_PROTOCOL } from "../net/mod.ts";
import {
  type ClusterStatus,
  decodeMessage,
  encodeMessage,
  KvStorage,
  type Message,
  RaftDriver,
  type RaftTrace,
} from "../raft/mod.ts";
import { z } from "zod";
import {
  CLUSTER_PROTOCOL,
  type ControlRequest,
  ControlRequestSchema,
  RemoveResponseSchema,
} from "./control.ts";
import { type LeaveReport, Membership } from "./membership.ts";
import { PeerBook } from "./peer-book.ts";
import { Autopilot } from "./autopilot.ts";
import { DirectoryMachine } from "./directory-machine.ts";
import { type ProposeOptions, Proposer } from "./proposer.ts";
import { raftApiError, raftCall } from "./raft-errors.ts";
import { WRITE_TRACE_ENV, writeTraceFile } from "./write-trace.ts";

/**
 * Ticks between the leader's appends to a replicating learner (`RaftOptions.learnerPaceTicks`):
 * one tick (50 ms at the default tick). Learners count in no quorum, so a write's commit never
 * waits for them; paced, each gets what committed during the tick in one append instead of one
 * per commit (on 25 nodes, 20 learners, those appends cost 20-25 ms of CPU per write). A
 * learner's local reads may lag up to one more tick; its `consistent=true` reads still wait for
 * nothing more than before (a learner asking for a read index gets its entries at once).
 */
export const LEARNER_PACE_TICKS = 1;

/** Options of {@link Cluster.start}. */
export interface ClusterOptions {
  /** This node's member id (its node name). */
  id: string;
  kv: Deno.Kv;
  net: NetNode;
  log: Logger;
  /** Multiaddrs of existing members to join through; empty founds (or resumes) a cluster. */
  join: string[];
  /** Milliseconds per Raft tick (default 50: heartbeats every tick, elections after 10-20). */
  tickMs?: number;
  /** Raft election timeout in ticks (default 10). */
  electionTicks?: number;
  /**
   * A shared secret a node must present to join; without one, any peer that can reach a
   * member may join (logged as a warning).
   */
  clusterToken?: string;
  /** Voters to keep (default 5); the leader's setting is the one that counts. */
  voters?: number;
  /** A voter the leader has not heard from for this long is replaced (default 10 s). */
  deadVoterMs?: number;
}

/** {@link Cluster.propose}'s options. */
export interface ClusterProposeOptions extends ProposeOptions {
  /**
   * Called with the proposal's request id just before it is first proposed, in the same
   * tick: the Deno KV writes it asks for (an audit intent) share the commit of this node's
   * save of the entry when this node leads and its Raft driver is idle (`KvWriter.together`).
   */
  intend?(requestId: string): void;
}

/**
 * This node's membership in the cluster: the Raft driver with the directory as its state
 * machine, persisted in the node's Deno KV, talking to the other members over libp2p.
 * A node without `join` and without state founds a one-member cluster; a node with `join`
 * asks a member to add it (as a learner, promoted to voter once caught up). Writes from a
 * follower are forwarded to the leader.
 */
export class Cluster {
  readonly machine = new DirectoryMachine();
  readonly #peers: PeerBook;
  readonly #membership: Membership;
  #driver!: RaftDriver<ApplyResult>;
  #storage!: KvStorage;
  #stopped = false;
  #background = new Set<Promise<unknown>>();
  /** Names this process's requests: unique per start, so ids never repeat across restarts. */
  readonly #client = crypto.randomUUID();
  #seq = 0;
  readonly #proposer: Proposer;
  #autopilot!: Autopilot;
  /** Per-stage write timing (diagnosis only; see `write-trace.ts`). */
  readonly #trace: RaftTrace | undefined;

  private constructor(readonly opts: ClusterOptions) {
    this.#trace = writeTraceFile(Deno.env.get(WRITE_TRACE_ENV), opts.id);
    this.#proposer = new Proposer({
      proposeHere: (data) => this.#driver.propose(data),
      forward: (leader, proposal, timeoutMs) => {
        const addr = this.addressOf(leader);
        if (!addr) return undefined;
        return this.opts.net.request<ApplyResult>(
          addr,
          CLUSTER_PROTOCOL,
          { type: "propose", ...proposal },
          { timeoutMs },
        );
      },
      stopped: () => this.#stopped,
    });
    this.#peers = new PeerBook(this.machine, opts);
    this.#membership = new Membership({
      ...opts,
      machine: this.machine,
      peers: this.#peers,
      driver: () => this.#driver,
      propose: (cmd) => this.propose(cmd),
      proposeHere: (cmd) => this.#proposeHere(cmd),
      health: (s) => this.#autopilot.health(s),
      transferLeadership: (to) => this.transferLeadership(to),
      stopped: () => this.#stopped,
      refused: () => void this.refused++,
    });
  }

  /** Starts (or resumes) this node's cluster membership. */
  static async start(opts: ClusterOptions): Promise<Cluster> {
    const c = new Cluster(opts);
    await c.#start();
    return c;
  }

  get id(): string {
    return this.opts.id;
  }

  /**
   * Resolves once the directory holds everything this node knew committed when it started
   * (its persisted commit index; the rest comes from the leader): a restarted node decides
   * on it which agents it restores, and how.
   */
  appliedAsAtStart(): Promise<void> {
    return this.#driver.appliedAsAtOpen();
  }

  async #start(): Promise<void> {
    const { id, net, log, kv } = this.opts;
    this.#storage = new KvStorage(kv, { prefix: ["raft"] });
    const persisted = await this.#storage.load();
    const fresh = persisted.hardState.term === 0 && persisted.entries.length === 0 &&
      !persisted.snapshot;
    const founding = fresh && this.opts.join.length === 0;
    await net.handleBytes(RAFT_PROTOCOL, (bytes, ctx) => {
      if (!this.isTrustedPeer(ctx.peer)) {
        this.refused++;
        log.warn("refused raft frame from a non-member peer", { peer: ctx.peer });
        throw new ApiError("FORBIDDEN", "not a cluster member", { peer: ctx.peer });
      }
      let msg: Message;
      try {
        msg = decodeMessage(bytes);
      } catch (e) {
        log.debug("bad raft frame", { peer: ctx.peer, error: (e as Error).message });
        return;
      }
      // The authenticated peer is a way back to a sender we have no address for yet (a
      // joining node hears from the leader before its join is answered).
      this.#peers.heardFrom(msg.from, ctx.peer);
      this.#autopilot.heard(msg.from);
      this.#driver.receive(msg);
    });
    await net.handle(CLUSTER_PROTOCOL, ControlRequestSchema, (req, ctx) => {
      if (req.type === "join") {
        this.#membership.checkJoin(req, ctx.peer);
      } else if (!this.isTrustedPeer(ctx.peer)) {
        this.refused++;
        throw new ApiError("FORBIDDEN", "not a cluster member", { peer: ctx.peer });
      }
      return this.#control(req);
    });
    if (this.opts.clusterToken === undefined) {
      log.warn("no cluster token configured: any peer that reaches this node may join the cluster");
    }
    this.#driver = await RaftDriver.open<ApplyResult>({
      id,
      storage: this.#storage,
      stateMachine: this.machine,
      transport: {
        send: (to, msg) => {
          const addr = this.addressOf(to);
          if (!addr) throw new Error(`no address for member '${to}'`);
          return net.sendBytes(addr, RAFT_PROTOCOL, encodeMessage(msg));
        },
      },
      initialVoters: founding ? [id] : undefined,
      tickMs: this.opts.tickMs ?? 50,
      // A snapshot serializes the whole directory (canonical JSON, O(n log n)) and compacts
      // the stored log: every 1000 entries (the driver's default) it was ~4 % of a busy
      // leader's CPU and grows with the directory. Like etcd (--snapshot-count), keep a
      // longer log: 10,000 entries of a few hundred bytes each.
      snapshotThreshold: 10_000,
      // A node restarting from its data may have been removed while away: it must not
      // campaign with its stale configuration before it hears from the current leader.
      raft: {
        electionTicks: this.opts.electionTicks ?? 10,
        heartbeatTicks: 1,
        learnerPaceTicks: LEARNER_PACE_TICKS,
        holdCampaign: !fresh,
      },
      onError: (e) => log.warn("raft", { error: String(e) }),
      trace: this.#trace,
    });
    const tickMs = this.opts.tickMs ?? 50;
    const electionTicks = this.opts.electionTicks ?? 10;
    this.#autopilot = new Autopilot({
      id,
      status: () => this.#driver.status(),
      registered: () =>
        listMembers(this.machine.state).map((m) => m.id).filter((m) =>
          !this.#membership.removing.has(m)
        ),
      confChange: (change) => this.#membership.confChange(change),
      promoted: (node) =>
        this.#membership.expectOk(
          this.#proposeHere({ type: "member.update", id: node, role: "voter" }),
        ),
      log,
      policy: {
        targetVoters: this.opts.voters ?? 5,
        deadAfterMs: this.opts.deadVoterMs ?? 10_000,
        healthyWithinMs: 2 * electionTicks * tickMs,
        maxLagEntries: 64,
      },
      intervalMs: Math.max(4 * tickMs, 100),
    });
    this.#driver.start();
    this.#autopilot.start();
    if (founding) {
      this.#bg(this.#membership.registerSelf());
    } else if (fresh) {
      this.#bg(this.#membership.joinLoop(this.opts.join));
    } else {
      this.#bg(this.#membership.rejoin());
    }
  }

  #bg(p: Promise<unknown>): void {
    const q = p.catch((e) => this.opts.log.warn("cluster task failed", { error: String(e) }));
    this.#background.add(q);
    q.finally(() => this.#background.delete(q));
  }

  /** Serves a control request from another member. */
  async #control(req: ControlRequest): Promise<unknown> {
    switch (req.type) {
      case "join":
        return await this.#membership.admit(req);
      case "propose":
        return await raftCall(() =>
          this.#driver.propose(
            JSON.stringify({ request_id: req.request_id, command: req.command }),
          )
        );
      case "remove":
        return await this.#membership.removeHere(req.id);
      case "peers":
        return this.peerTable();
    }
  }

  /** A fresh request id for one logical request (the same across its retries). */
  #request(command: DirectoryCommand): DirectoryProposal {
    return { request_id: `${this.opts.id}/${this.#client}/${++this.#seq}`, command };
  }

  /** Proposes on this node's driver (the leader), once, with a fresh request id. */
  #proposeHere(command: DirectoryCommand): Promise<ApplyResult> {
    return raftCall(() => this.#driver.propose(JSON.stringify(this.#request(command))));
  }

  /** Frames refused from peers that are not members (for metrics and tests). */
  refused = 0;

  /** Whether a libp2p peer may speak the cluster's protocols (see {@link PeerBook}). */
  isTrustedPeer(peer: string): boolean {
    return this.#peers.isTrustedPeer(peer);
  }

  /** Addresses of a member: from the directory, else from what a join told us. */
  addressesOf(id: string): string[] {
    return this.#peers.addressesOf(id);
  }

  /** One dialable address of a member. */
  addressOf(id: string): string | undefined {
    return this.#peers.addressOf(id);
  }

  /** Member id → addresses, as known here. */
  peerTable(): Record<string, string[]> {
    return this.#peers.peerTable();
  }

  /**
   * Commits a directory command and resolves with its result (a refusal is a result, not
   * an exception). On a follower the command is forwarded to the leader; leader changes are
   * retried until `opts.timeoutMs` (default 10 s) or `opts.signal` (the client's request)
   * ends it. The command carries one request id across its retries, so it is applied at
   * most once.
   * @throws {ApiError} `OUTCOME_UNKNOWN` when it may or may not have committed; see
   * {@link Proposer.commit}
   */
  async propose(cmd: DirectoryCommand, opts: ClusterProposeOptions = {}): Promise<ApplyResult> {
    this.#trace?.("request", 0);
    try {
      const req = this.#request(cmd);
      const intend = opts.intend;
      if (intend === undefined) return await this.#proposer.commit(req, opts);
      // The intent's write and the entry's save (asked in the same tick when this node leads
      // and its driver is idle) go in one commit.
      return await KvWriter.of(this.opts.kv).together(() => {
        intend(req.request_id);
        return this.#proposer.commit(req, opts);
      });
    } finally {
      this.#trace?.("result", 0);
    }
  }

  /** Waits until this node's directory reflects everything committed before the call. */
  async linearizableRead(): Promise<void> {
    await raftCall(() => this.#driver.linearizableRead());
  }

  /** Raft status plus members (for `GET /api/v1/cluster`). */
  status(): ClusterStatus {
    return this.#driver.status();
  }

  /** Hands leadership to another voter. */
  transferLeadership(to: string): void {
    try {
      this.#driver.transferLeadership(to);
    } catch (e) {
      throw raftApiError(e);
    }
  }

  /**
   * Removes member `id` for good (a node lost for good), so that the others regain a
   * quorum of their own: a Raft conf change (`removeNode`) on the leader, then the
   * directory record. Served on any member: a follower asks the leader.
   * @throws {ApiError} `NOT_FOUND` for an unknown member; `CONFLICT` for this node itself
   * (ask another member), the last voter, or while another membership change is pending;
   * `NOT_LEADER` / `UNAVAILABLE` without a reachable leader
   */
  removeMember(id: string): Promise<z.output<typeof RemoveResponseSchema>> {
    return this.#membership.removeMember(id);
  }

  /** Health of the other members as this node sees it (meaningful on the leader). */
  health(): Record<string, { silentMs: number; match: number }> {
    return this.#autopilot.health();
  }

  /**
   * Leaves the cluster on purpose: a leader first hands leadership to the most caught-up
   * voter, then `drain` runs (moving this node's agents away while it is still a member),
   * then the leader removes this node from the configuration and the directory. The
   * autopilot then promotes a learner if the voters fall below their target.
   * @throws {ApiError} `CONFLICT` when this node is the last voter; `NOT_LEADER` /
   * `UNAVAILABLE` when no leader can be reached
   */
  leave(drain: () => Promise<unknown>): Promise<LeaveReport> {
    return this.#membership.leave(drain);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#autopilot?.stop();
    await this.#driver?.stop();
    await Promise.allSettled([...this.#background]);
  }
}
