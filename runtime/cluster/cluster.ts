import {
  type ApplyResult,
  type DirectoryCommand,
  type DirectoryProposal,
  getMember,
  listMembers,
} from "../directory/mod.ts";
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
      raft: { electionTicks: this.opts.electionTicks ?? 10, heartbeatTicks: 1 },
      onError: (e) => log.warn("raft", { error: String(e) }),
    });
    this.#driver.start();
    if (founding) {
      this.#bg(this.#registerSelf());
    } else if (fresh) {
      this.#bg(this.#joinLoop());
    } else {
      this.#bg(this.#registerSelf());
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

  async #joinLoop(): Promise<void> {
    const { id, net, log } = this.opts;
    const req = {
      type: "join" as const,
      id,
      addresses: net.addresses(),
      public_key: net.identity.publicKeyBase64,
      ...(this.opts.clusterToken !== undefined ? { token: this.opts.clusterToken } : {}),
    };
    let delay = 200;
    while (!this.#stopped) {
      for (const addr of this.opts.join) {
        try {
          const r = JoinResponseSchema.parse(
            await net.request(addr, CLUSTER_PROTOCOL, req, { timeoutMs: 30_000 }),
          );
          for (const [m, a] of Object.entries(r.peers)) this.#hints.set(m, a);
          log.info("joined cluster", { via: addr, leader: r.leader });
          return;
        } catch (e) {
          const err = e as ApiError;
          const leader = err.details?.leader_addresses as string[] | undefined;
          if (leader?.length) {
            try {
              const r = JoinResponseSchema.parse(
                await net.request(leader[0], CLUSTER_PROTOCOL, req, { timeoutMs: 30_000 }),
              );
              for (const [m, a] of Object.entries(r.peers)) this.#hints.set(m, a);
              log.info("joined cluster", { via: leader[0], leader: r.leader });
              return;
            } catch (e2) {
              log.debug("join via leader failed", { error: String(e2) });
            }
          }
          log.warn("join attempt failed; retrying", { via: addr, error: err.message });
        }
      }
      await sleep(delay);
      delay = Math.min(5000, delay * 2);
    }
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

  /** On the leader: adds a node as a learner, waits until it caught up, promotes it. */
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
    if (!inConf) await this.#confChange({ type: "addLearner", node: req.id });
    if (!this.#driver.status().members.voters.includes(req.id)) {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const s = this.#driver.status();
        if ((s.matchIndex[req.id] ?? 0) >= s.commitIndex) break;
        await sleep(20);
      }
      await this.#confChange({ type: "addVoter", node: req.id });
      await this.#expectOk(this.#proposeHere({ type: "member.update", id: req.id, role: "voter" }));
    }
    this.opts.log.info("member admitted", { id: req.id });
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
    const s = this.#driver.status();
    if (s.role === "leader") return await this.#removeHere(id);
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
    const conf = this.#driver.status().members;
    const inConf = conf.voters.includes(id) || conf.learners.includes(id);
    if (!inConf && !getMember(this.machine.state, id)) {
      throw new ApiError("NOT_FOUND", `No cluster member '${id}'`, { id });
    }
    if (conf.voters.length === 1 && conf.voters[0] === id) {
      throw new ApiError("CONFLICT", `Member '${id}' is the last voter`, { id });
    }
    const deadline = Date.now() + 5_000;
    while (inConf) {
      try {
        await this.#confChange({ type: "removeNode", node: id });
        break;
      } catch (e) {
        const pending = e instanceof ApiError && e.details.reason === "CONF_CHANGE_PENDING";
        if (!pending || Date.now() >= deadline) {
          if (e instanceof ApiError && e.details.reason === "INVALID_CONF_CHANGE") {
            throw new ApiError("CONFLICT", e.message, { id, reason: e.details.reason });
          }
          throw e;
        }
        await sleep(50);
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

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#driver?.stop();
    await Promise.allSettled([...this.#background]);
  }
}
