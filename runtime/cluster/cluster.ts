import {
  type ApplyResult,
  type DirectoryCommand,
  type DirectoryProposal,
  getMember,
  listMembers,
} from "../directory/mod.ts";
import { pollUntil } from "../async/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import { BytesSchema, type NetNode, RAFT_PROTOCOL } from "../net/mod.ts";
import {
  type ClusterStatus,
  decodeMessage,
  encodeMessage,
  KvStorage,
  RaftDriver,
} from "../raft/mod.ts";
import { z } from "zod";
import {
  CLUSTER_PROTOCOL,
  type ControlRequest,
  ControlRequestSchema,
  JoinResponseSchema,
  RemoveResponseSchema,
} from "./control.ts";
import { Autopilot } from "./autopilot.ts";
import { DirectoryMachine } from "./directory-machine.ts";
import { type ProposeOptions, Proposer } from "./proposer.ts";
import { raftApiError, raftCall } from "./raft-errors.ts";

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

/** What {@link Cluster.leave} did. */
export interface LeaveReport {
  /** This node. */
  left: string;
  /** The voter leadership went to, if this node led. */
  transferred_to: string | null;
  /** What the drain callback answered. */
  drained: unknown;
  /** The configuration without this node. */
  voters: string[];
  learners: string[];
}

const RaftFrame = z.object({ from: z.string().min(1).max(128), m: BytesSchema });

/** The peer id a multiaddr ends with (`.../p2p/<id>`), or the string itself if it is an id. */
export function peerIdOf(address: string): string | undefined {
  if (!address.startsWith("/")) return address || undefined;
  const i = address.lastIndexOf("/p2p/");
  return i < 0 ? undefined : address.slice(i + 5);
}

function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let d = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) d |= x[i] ^ (y[i % (y.length || 1)] ?? 0);
  return d === 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
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
  readonly #hints = new Map<string, string[]>();
  #driver!: RaftDriver<ApplyResult>;
  #storage!: KvStorage;
  #stopped = false;
  #background = new Set<Promise<unknown>>();
  /** Names this process's requests: unique per start, so ids never repeat across restarts. */
  readonly #client = crypto.randomUUID();
  #seq = 0;
  readonly #proposer: Proposer;
  #autopilot!: Autopilot;
  /** Nodes being removed on purpose here: the autopilot must not add them back meanwhile. */
  readonly #removing = new Set<string>();

  private constructor(readonly opts: ClusterOptions) {
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

  async #start(): Promise<void> {
    const { id, net, log, kv } = this.opts;
    this.#storage = new KvStorage(kv, { prefix: ["raft"] });
    const persisted = await this.#storage.load();
    const fresh = persisted.hardState.term === 0 && persisted.entries.length === 0 &&
      !persisted.snapshot;
    const founding = fresh && this.opts.join.length === 0;
    await net.handle(RAFT_PROTOCOL, RaftFrame, (f, ctx) => {
      if (!this.isTrustedPeer(ctx.peer)) {
        this.refused++;
        log.warn("refused raft frame from a non-member peer", { peer: ctx.peer, claims: f.from });
        throw new ApiError("FORBIDDEN", "not a cluster member", { peer: ctx.peer });
      }
      // The authenticated peer is a way back to a sender we have no address for yet (a
      // joining node hears from the leader before its join is answered).
      if (!this.#hints.has(f.from) && !getMember(this.machine.state, f.from)) {
        this.#hints.set(f.from, [ctx.peer]);
      }
      this.#autopilot.heard(f.from);
      try {
        this.#driver.receive(decodeMessage(f.m));
      } catch (e) {
        log.debug("bad raft frame", { from: f.from, error: (e as Error).message });
      }
      return null;
    });
    await net.handle(CLUSTER_PROTOCOL, ControlRequestSchema, (req, ctx) => {
      if (req.type === "join") {
        const t = this.opts.clusterToken;
        if (t !== undefined && (req.token === undefined || !sameSecret(req.token, t))) {
          this.refused++;
          log.warn("refused a join without the cluster token", { peer: ctx.peer, id: req.id });
          throw new ApiError("FORBIDDEN", "a valid cluster token is required to join", {});
        }
        if (peerIdOf(req.addresses[0] ?? "") !== ctx.peer) {
          throw new ApiError("FORBIDDEN", "join addresses must name the joining peer", {
            peer: ctx.peer,
          });
        }
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
          return net.send(addr, RAFT_PROTOCOL, { from: id, m: encodeMessage(msg) });
        },
      },
      initialVoters: founding ? [id] : undefined,
      tickMs: this.opts.tickMs ?? 50,
      // A node restarting from its data may have been removed while away: it must not
      // campaign with its stale configuration before it hears from the current leader.
      raft: {
        electionTicks: this.opts.electionTicks ?? 10,
        heartbeatTicks: 1,
        holdCampaign: !fresh,
      },
      onError: (e) => log.warn("raft", { error: String(e) }),
    });
    const tickMs = this.opts.tickMs ?? 50;
    const electionTicks = this.opts.electionTicks ?? 10;
    this.#autopilot = new Autopilot({
      id,
      status: () => this.#driver.status(),
      registered: () =>
        listMembers(this.machine.state).map((m) => m.id).filter((m) => !this.#removing.has(m)),
      confChange: (change) => this.#confChange(change),
      promoted: (node) =>
        this.#expectOk(this.#proposeHere({ type: "member.update", id: node, role: "voter" })),
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
      this.#bg(this.#registerSelf());
    } else if (fresh) {
      this.#bg(this.#joinLoop(this.opts.join));
    } else {
      this.#bg(this.#rejoin());
    }
  }

  /**
   * A node restarting from its data: while it leads, it only refreshes its own record;
   * otherwise it asks the leader (or any member it knows) to admit it again, which is a
   * no-op for a member and re-adds, as a learner, a node removed while it was away.
   */
  async #rejoin(): Promise<void> {
    const { id } = this.opts;
    let delay = 200;
    for (let round = 0; !this.#stopped; round++) {
      const s = this.#driver.status();
      if (s.leader === id) return await this.#registerSelf();
      if (round === 3 && this.#driver.campaignHeld) {
        // No leader answered: the whole cluster may be restarting. Elect one.
        this.opts.log.info("no leader found after restart; campaigning allowed");
        this.#driver.releaseCampaign();
      }
      const via = [
        ...(s.leader ? this.addressesOf(s.leader).slice(0, 1) : []),
        ...listMembers(this.machine.state).filter((m) => m.id !== id).map((m) => m.addresses[0])
          .filter((a): a is string => a !== undefined),
        ...this.opts.join,
      ];
      if (via.length > 0 && await this.#joinLoop([...new Set(via)], 1, 5_000)) return;
      await sleep(delay);
      delay = Math.min(5000, delay * 2);
    }
  }

  #bg(p: Promise<unknown>): void {
    const q = p.catch((e) => this.opts.log.warn("cluster task failed", { error: String(e) }));
    this.#background.add(q);
    q.finally(() => this.#background.delete(q));
  }

  /** Makes sure this node's member record (addresses, key) is current. */
  async #registerSelf(): Promise<void> {
    const { id, net } = this.opts;
    const addresses = net.addresses();
    while (!this.#stopped) {
      const me = getMember(this.machine.state, id);
      if (
        me && me.public_key === net.identity.publicKeyBase64 &&
        JSON.stringify(me.addresses) === JSON.stringify(addresses)
      ) return;
      try {
        const cmd: DirectoryCommand = me
          ? { type: "member.update", id, addresses, public_key: net.identity.publicKeyBase64 }
          : {
            type: "member.add",
            member: { id, addresses, public_key: net.identity.publicKeyBase64, role: "voter" },
          };
        await this.propose(cmd);
        return;
      } catch (e) {
        this.opts.log.debug("member registration retry", { error: String(e) });
        await sleep(200);
      }
    }
  }

  /** Asks the members at `via` to admit this node, for `rounds` rounds; true once admitted. */
  async #joinLoop(via: string[], rounds = Infinity, timeoutMs = 30_000): Promise<boolean> {
    const { id, net, log } = this.opts;
    const req = {
      type: "join" as const,
      id,
      addresses: net.addresses(),
      public_key: net.identity.publicKeyBase64,
      ...(this.opts.clusterToken !== undefined ? { token: this.opts.clusterToken } : {}),
    };
    let delay = 200;
    for (let round = 0; round < rounds && !this.#stopped; round++) {
      for (const addr of via) {
        try {
          const r = JoinResponseSchema.parse(
            await net.request(addr, CLUSTER_PROTOCOL, req, { timeoutMs }),
          );
          for (const [m, a] of Object.entries(r.peers)) this.#hints.set(m, a);
          log.info("joined cluster", { via: addr, leader: r.leader });
          return true;
        } catch (e) {
          const err = e as ApiError;
          const leader = err.details?.leader_addresses as string[] | undefined;
          if (leader?.length) {
            try {
              const r = JoinResponseSchema.parse(
                await net.request(leader[0], CLUSTER_PROTOCOL, req, { timeoutMs }),
              );
              for (const [m, a] of Object.entries(r.peers)) this.#hints.set(m, a);
              log.info("joined cluster", { via: leader[0], leader: r.leader });
              return true;
            } catch (e2) {
              log.debug("join via leader failed", { error: String(e2) });
            }
          }
          log.warn("join attempt failed; retrying", { via: addr, error: err.message });
        }
      }
      if (round + 1 < rounds) await sleep(delay);
      delay = Math.min(5000, delay * 2);
    }
    return false;
  }

  /** Serves a control request from another member. */
  async #control(req: ControlRequest): Promise<unknown> {
    switch (req.type) {
      case "join":
        return await this.#admit(req);
      case "propose":
        return await raftCall(() =>
          this.#driver.propose(
            JSON.stringify({ request_id: req.request_id, command: req.command }),
          )
        );
      case "remove":
        return await this.#removeHere(req.id);
      case "peers":
        return this.peerTable();
    }
  }

  /**
   * On the leader: registers a node and adds it as a learner; the autopilot promotes it
   * once caught up if the cluster has fewer voters than its target. A current member is
   * only updated (a restart); a node removed while away comes back as a learner.
   */
  async #admit(req: Extract<ControlRequest, { type: "join" }>): Promise<unknown> {
    this.#requireLeader();
    const existing = getMember(this.machine.state, req.id);
    if (existing && existing.public_key !== req.public_key) {
      throw new ApiError("CONFLICT", `A member named '${req.id}' already exists with another key`, {
        id: req.id,
      });
    }
    this.#hints.set(req.id, req.addresses);
    const status = this.#driver.status();
    const inConf = status.members.voters.includes(req.id) ||
      status.members.learners.includes(req.id);
    if (!existing) {
      await this.#expectOk(this.#proposeHere({
        type: "member.add",
        member: {
          id: req.id,
          addresses: req.addresses,
          public_key: req.public_key,
          role: "learner",
        },
      }));
    } else {
      await this.#expectOk(this.#proposeHere({
        type: "member.update",
        id: req.id,
        addresses: req.addresses,
      }));
    }
    // Many nodes may join at once: their changes go one at a time.
    if (!inConf) await this.#confChangeWhenFree({ type: "addLearner", node: req.id }, 20_000);
    this.opts.log.info("member admitted", { id: req.id, learner: !inConf });
    return { ok: true, leader: this.opts.id, peers: this.peerTable() };
  }

  /** A fresh request id for one logical request (the same across its retries). */
  #request(command: DirectoryCommand): DirectoryProposal {
    return { request_id: `${this.opts.id}/${this.#client}/${++this.#seq}`, command };
  }

  /** Proposes on this node's driver (the leader), once, with a fresh request id. */
  #proposeHere(command: DirectoryCommand): Promise<ApplyResult> {
    return raftCall(() => this.#driver.propose(JSON.stringify(this.#request(command))));
  }

  #confChange(change: Parameters<RaftDriver["proposeConfChange"]>[0]) {
    return raftCall(() => this.#driver.proposeConfChange(change));
  }

  /** A conf change on the leader, retried for up to `waitMs` while another one is pending. */
  async #confChangeWhenFree(
    change: Parameters<RaftDriver["proposeConfChange"]>[0],
    waitMs = 5_000,
  ) {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        return await this.#confChange(change);
      } catch (e) {
        const pending = e instanceof ApiError && e.details.reason === "CONF_CHANGE_PENDING";
        if (!pending || Date.now() >= deadline) throw e;
        await sleep(50);
      }
    }
  }

  async #expectOk(p: Promise<ApplyResult>): Promise<ApplyResult> {
    const r = await p;
    if (!r.ok) throw new ApiError("CONFLICT", r.message, { reason: r.reason });
    return r;
  }

  #requireLeader(): void {
    const s = this.#driver.status();
    if (s.role === "leader") return;
    throw new ApiError("NOT_LEADER", `Node '${this.opts.id}' is not the leader`, {
      leader: s.leader,
      leader_addresses: s.leader ? this.addressesOf(s.leader) : [],
    });
  }

  /** Frames refused from peers that are not members (for metrics and tests). */
  refused = 0;

  /**
   * Whether a libp2p peer may speak the cluster's protocols: a current member, or (while
   * this node joins) a peer it was told to join through or heard of in the join answer.
   */
  isTrustedPeer(peer: string): boolean {
    for (const m of listMembers(this.machine.state)) {
      if (m.addresses.some((a) => peerIdOf(a) === peer)) return true;
    }
    for (const a of this.#hints.values()) if (a.some((x) => peerIdOf(x) === peer)) return true;
    return this.opts.join.some((j) => peerIdOf(j) === peer);
  }

  /** Addresses of a member: from the directory, else from what a join told us. */
  addressesOf(id: string): string[] {
    return getMember(this.machine.state, id)?.addresses ?? this.#hints.get(id) ?? [];
  }

  /** One dialable address of a member. */
  addressOf(id: string): string | undefined {
    return this.addressesOf(id)[0];
  }

  /** Member id → addresses, as known here. */
  peerTable(): Record<string, string[]> {
    const t: Record<string, string[]> = Object.fromEntries(this.#hints);
    for (const m of listMembers(this.machine.state)) t[m.id] = m.addresses;
    t[this.opts.id] = this.opts.net.addresses();
    return t;
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
  propose(cmd: DirectoryCommand, opts: ProposeOptions = {}): Promise<ApplyResult> {
    return this.#proposer.commit(this.#request(cmd), opts);
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
  async removeMember(id: string): Promise<z.output<typeof RemoveResponseSchema>> {
    if (id === this.opts.id) {
      throw new ApiError("CONFLICT", `Node '${id}' cannot remove itself; ask another member`, {
        id,
      });
    }
    if (this.#driver.status().role === "leader") return await this.#removeHere(id);
    return await this.#askLeaderToRemove(id);
  }

  async #askLeaderToRemove(id: string): Promise<z.output<typeof RemoveResponseSchema>> {
    const s = this.#driver.status();
    const addr = s.leader ? this.addressOf(s.leader) : undefined;
    if (!s.leader || !addr) {
      throw new ApiError("NOT_LEADER", `Node '${this.opts.id}' knows no leader to ask`, {
        leader: s.leader,
      });
    }
    return RemoveResponseSchema.parse(
      await this.opts.net.request(addr, CLUSTER_PROTOCOL, { type: "remove", id }, {
        timeoutMs: 15_000,
      }),
    );
  }

  /** On the leader: the conf change (retried while another change is pending), then the record. */
  async #removeHere(id: string): Promise<z.output<typeof RemoveResponseSchema>> {
    this.#requireLeader();
    this.#removing.add(id);
    try {
      return await this.#removeMember(id);
    } finally {
      this.#removing.delete(id);
    }
  }

  async #removeMember(id: string): Promise<z.output<typeof RemoveResponseSchema>> {
    const conf = this.#driver.status().members;
    const inConf = conf.voters.includes(id) || conf.learners.includes(id);
    if (!inConf && !getMember(this.machine.state, id)) {
      throw new ApiError("NOT_FOUND", `No cluster member '${id}'`, { id });
    }
    if (conf.voters.length === 1 && conf.voters[0] === id) {
      throw new ApiError("CONFLICT", `Member '${id}' is the last voter`, { id });
    }
    if (inConf) {
      try {
        await this.#confChangeWhenFree({ type: "removeNode", node: id });
      } catch (e) {
        if (e instanceof ApiError && e.details.reason === "INVALID_CONF_CHANGE") {
          throw new ApiError("CONFLICT", e.message, { id, reason: e.details.reason });
        }
        throw e;
      }
    }
    if (getMember(this.machine.state, id)) {
      const r = await this.propose({ type: "member.remove", id });
      if (!r.ok && r.reason !== "not-registered") {
        throw new ApiError("CONFLICT", r.message, { id, reason: r.reason });
      }
    }
    this.#hints.delete(id);
    const after = this.#driver.status().members;
    this.opts.log.info("member removed", { id });
    return { removed: id, voters: [...after.voters], learners: [...after.learners] };
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
  async leave(drain: () => Promise<unknown>): Promise<LeaveReport> {
    const { id, log } = this.opts;
    let transferredTo: string | null = null;
    const s = this.#driver.status();
    if (s.role === "leader") {
      const health = this.#autopilot.health(s);
      const others = s.members.voters.filter((v) => v !== id)
        .sort((a, b) =>
          (health[a]?.silentMs ?? Infinity) - (health[b]?.silentMs ?? Infinity) ||
          (s.matchIndex[b] ?? 0) - (s.matchIndex[a] ?? 0)
        );
      if (others.length === 0) {
        throw new ApiError("CONFLICT", `Node '${id}' is the last voter and cannot leave`, { id });
      }
      transferredTo = others[0];
      this.transferLeadership(transferredTo);
      await pollUntil("leadership handed over", () => {
        const now = this.#driver.status();
        return now.role !== "leader" && now.leader !== null ? true : undefined;
      }, { timeoutMs: 10_000 }).catch(() => {
        log.warn("leadership transfer did not complete; leaving as leader", { to: transferredTo });
      });
    }
    const drained = await drain();
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const r = this.#driver.status().leader === id
          ? await this.#removeHere(id)
          : await this.#askLeaderToRemove(id);
        log.info("left the cluster", { voters: r.voters, learners: r.learners });
        return {
          left: id,
          transferred_to: transferredTo,
          drained,
          voters: r.voters,
          learners: r.learners,
        };
      } catch (e) {
        const retry = e instanceof ApiError &&
          (e.code === "NOT_LEADER" || e.code === "UNAVAILABLE" ||
            e.details.reason === "TRANSFER_IN_PROGRESS");
        if (!retry || Date.now() >= deadline) throw e;
        await sleep(100);
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#autopilot?.stop();
    await this.#driver?.stop();
    await Promise.allSettled([...this.#background]);
  }
}
