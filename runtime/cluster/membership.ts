import {
  type ApplyResult,
  type DirectoryCommand,
  getMember,
  listMembers,
} from "../directory/mod.ts";
import { pollUntil } from "../async/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { NetNode } from "../net/mod.ts";
import type { ClusterStatus, ConfChange, ConfState, RaftDriver } from "../raft/mod.ts";
import type { z } from "zod";
import {
  CLUSTER_PROTOCOL,
  type ControlRequest,
  JoinResponseSchema,
  RemoveResponseSchema,
} from "./control.ts";
import type { DirectoryMachine } from "./directory-machine.ts";
import { type PeerBook, peerIdOf } from "./peer-book.ts";
import { raftCall } from "./raft-errors.ts";

/**
 * Membership of one node: joining (and rejoining after a restart), registering its own
 * record, admitting joiners and removing members on the leader, and leaving on purpose.
 * Configuration changes go one at a time through the Raft driver; member records through
 * the directory.
 * @module
 */

/** What {@link Membership.leave} did. */
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

/** What membership needs from its node. */
export interface MembershipDeps {
  id: string;
  net: NetNode;
  log: Logger;
  /** Members to join through (empty: founding or resuming). */
  join: string[];
  /** The shared secret joiners must present, if any. */
  clusterToken?: string;
  machine: DirectoryMachine;
  peers: PeerBook;
  driver(): RaftDriver<ApplyResult>;
  /** Commits a command from this node (forwarded to the leader when it does not lead). */
  propose(cmd: DirectoryCommand): Promise<ApplyResult>;
  /** Proposes on this node's driver (the leader), once. */
  proposeHere(cmd: DirectoryCommand): Promise<ApplyResult>;
  /** Health of the other members as the leader sees it. */
  health(s: ClusterStatus): Record<string, { silentMs: number; match: number }>;
  /** Hands leadership to voter `to`. */
  transferLeadership(to: string): void;
  stopped(): boolean;
  /** Counts a refused peer. */
  refused(): void;
}

type RemoveResponse = z.output<typeof RemoveResponseSchema>;

/** Constant-time comparison of two secrets. */
export function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let d = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) d |= x[i] ^ (y[i % (y.length || 1)] ?? 0);
  return d === 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** See the module documentation. */
export class Membership {
  /** Nodes being removed on purpose here: the autopilot must not add them back meanwhile. */
  readonly removing = new Set<string>();

  constructor(private readonly d: MembershipDeps) {}

  /**
   * A node restarting from its data: while it leads, it only refreshes its own record;
   * otherwise it asks the leader (or any member it knows) to admit it again, which is a
   * no-op for a member and re-adds, as a learner, a node removed while it was away.
   */
  async rejoin(): Promise<void> {
    const { id } = this.d;
    let delay = 200;
    for (let round = 0; !this.d.stopped(); round++) {
      const s = this.d.driver().status();
      if (s.leader === id) return await this.registerSelf();
      if (round === 3 && this.d.driver().campaignHeld) {
        // No leader answered: the whole cluster may be restarting. Elect one.
        this.d.log.info("no leader found after restart; campaigning allowed");
        this.d.driver().releaseCampaign();
      }
      const via = [
        ...(s.leader ? this.d.peers.addressesOf(s.leader).slice(0, 1) : []),
        ...listMembers(this.d.machine.state).filter((m) => m.id !== id).map((m) => m.addresses[0])
          .filter((a): a is string => a !== undefined),
        ...this.d.join,
      ];
      if (via.length > 0 && await this.joinLoop([...new Set(via)], 1, 5_000)) return;
      await sleep(delay);
      delay = Math.min(5000, delay * 2);
    }
  }

  /** Makes sure this node's member record (addresses, key) is current. */
  async registerSelf(): Promise<void> {
    const { id, net } = this.d;
    const addresses = net.addresses();
    while (!this.d.stopped()) {
      const me = getMember(this.d.machine.state, id);
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
        await this.d.propose(cmd);
        return;
      } catch (e) {
        this.d.log.debug("member registration retry", { error: String(e) });
        await sleep(200);
      }
    }
  }

  /** Asks the members at `via` to admit this node, for `rounds` rounds; true once admitted. */
  async joinLoop(via: string[], rounds = Infinity, timeoutMs = 30_000): Promise<boolean> {
    const { id, net, log } = this.d;
    const req = {
      type: "join" as const,
      id,
      addresses: net.addresses(),
      public_key: net.identity.publicKeyBase64,
      ...(this.d.clusterToken !== undefined ? { token: this.d.clusterToken } : {}),
    };
    let delay = 200;
    for (let round = 0; round < rounds && !this.d.stopped(); round++) {
      for (const addr of via) {
        try {
          const r = JoinResponseSchema.parse(
            await net.request(addr, CLUSTER_PROTOCOL, req, { timeoutMs }),
          );
          for (const [m, a] of Object.entries(r.peers)) this.d.peers.setHint(m, a);
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
              for (const [m, a] of Object.entries(r.peers)) this.d.peers.setHint(m, a);
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

  /**
   * Checks a join request's credentials against the authenticated peer it came from.
   * @throws {ApiError} `FORBIDDEN` without the cluster token or for addresses of another peer
   */
  checkJoin(req: Extract<ControlRequest, { type: "join" }>, peer: string): void {
    const t = this.d.clusterToken;
    if (t !== undefined && (req.token === undefined || !sameSecret(req.token, t))) {
      this.d.refused();
      this.d.log.warn("refused a join without the cluster token", { peer, id: req.id });
      throw new ApiError("FORBIDDEN", "a valid cluster token is required to join", {});
    }
    if (peerIdOf(req.addresses[0] ?? "") !== peer) {
      throw new ApiError("FORBIDDEN", "join addresses must name the joining peer", { peer });
    }
  }

  /**
   * On the leader: registers a node and adds it as a learner; the autopilot promotes it
   * once caught up if the cluster has fewer voters than its target. A current member is
   * only updated (a restart); a node removed while away comes back as a learner.
   */
  async admit(req: Extract<ControlRequest, { type: "join" }>): Promise<unknown> {
    this.requireLeader();
    const existing = getMember(this.d.machine.state, req.id);
    if (existing && existing.public_key !== req.public_key) {
      throw new ApiError("CONFLICT", `A member named '${req.id}' already exists with another key`, {
        id: req.id,
      });
    }
    this.d.peers.setHint(req.id, req.addresses);
    const status = this.d.driver().status();
    const inConf = status.members.voters.includes(req.id) ||
      status.members.learners.includes(req.id);
    if (!existing) {
      await this.expectOk(this.d.proposeHere({
        type: "member.add",
        member: {
          id: req.id,
          addresses: req.addresses,
          public_key: req.public_key,
          role: "learner",
        },
      }));
    } else {
      await this.expectOk(this.d.proposeHere({
        type: "member.update",
        id: req.id,
        addresses: req.addresses,
      }));
    }
    // Many nodes may join at once: their changes go one at a time.
    if (!inConf) await this.confChangeWhenFree({ type: "addLearner", node: req.id }, 20_000);
    this.d.log.info("member admitted", { id: req.id, learner: !inConf });
    return { ok: true, leader: this.d.id, peers: this.d.peers.peerTable() };
  }

  /** A membership change on this node's driver (the leader). */
  confChange(change: ConfChange): Promise<ConfState> {
    return raftCall(() => this.d.driver().proposeConfChange(change));
  }

  /** A conf change on the leader, retried for up to `waitMs` while another one is pending. */
  async confChangeWhenFree(change: ConfChange, waitMs = 5_000): Promise<ConfState> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        return await this.confChange(change);
      } catch (e) {
        const pending = e instanceof ApiError && e.details.reason === "CONF_CHANGE_PENDING";
        if (!pending || Date.now() >= deadline) throw e;
        await sleep(50);
      }
    }
  }

  /** Resolves with a successful result; a refusal becomes a `CONFLICT`. */
  async expectOk(p: Promise<ApplyResult>): Promise<ApplyResult> {
    const r = await p;
    if (!r.ok) throw new ApiError("CONFLICT", r.message, { reason: r.reason });
    return r;
  }

  /** @throws {ApiError} `NOT_LEADER` (with the leader's addresses) unless this node leads */
  requireLeader(): void {
    const s = this.d.driver().status();
    if (s.role === "leader") return;
    throw new ApiError("NOT_LEADER", `Node '${this.d.id}' is not the leader`, {
      leader: s.leader,
      leader_addresses: s.leader ? this.d.peers.addressesOf(s.leader) : [],
    });
  }

  /**
   * Removes member `id` for good; see {@link Cluster.removeMember}.
   * @throws {ApiError} `NOT_FOUND`, `CONFLICT`, `NOT_LEADER`, `UNAVAILABLE`
   */
  async removeMember(id: string): Promise<RemoveResponse> {
    if (id === this.d.id) {
      throw new ApiError("CONFLICT", `Node '${id}' cannot remove itself; ask another member`, {
        id,
      });
    }
    if (this.d.driver().status().role === "leader") return await this.removeHere(id);
    return await this.#askLeaderToRemove(id);
  }

  async #askLeaderToRemove(id: string): Promise<RemoveResponse> {
    const s = this.d.driver().status();
    const addr = s.leader ? this.d.peers.addressOf(s.leader) : undefined;
    if (!s.leader || !addr) {
      throw new ApiError("NOT_LEADER", `Node '${this.d.id}' knows no leader to ask`, {
        leader: s.leader,
      });
    }
    return RemoveResponseSchema.parse(
      await this.d.net.request(addr, CLUSTER_PROTOCOL, { type: "remove", id }, {
        timeoutMs: 15_000,
      }),
    );
  }

  /** On the leader: the conf change (retried while another change is pending), then the record. */
  async removeHere(id: string): Promise<RemoveResponse> {
    this.requireLeader();
    this.removing.add(id);
    try {
      return await this.#removeMember(id);
    } finally {
      this.removing.delete(id);
    }
  }

  async #removeMember(id: string): Promise<RemoveResponse> {
    const conf = this.d.driver().status().members;
    const inConf = conf.voters.includes(id) || conf.learners.includes(id);
    if (!inConf && !getMember(this.d.machine.state, id)) {
      throw new ApiError("NOT_FOUND", `No cluster member '${id}'`, { id });
    }
    if (conf.voters.length === 1 && conf.voters[0] === id) {
      throw new ApiError("CONFLICT", `Member '${id}' is the last voter`, { id });
    }
    if (inConf) {
      try {
        await this.confChangeWhenFree({ type: "removeNode", node: id });
      } catch (e) {
        if (e instanceof ApiError && e.details.reason === "INVALID_CONF_CHANGE") {
          throw new ApiError("CONFLICT", e.message, { id, reason: e.details.reason });
        }
        throw e;
      }
    }
    if (getMember(this.d.machine.state, id)) {
      const r = await this.d.propose({ type: "member.remove", id });
      if (!r.ok && r.reason !== "not-registered") {
        throw new ApiError("CONFLICT", r.message, { id, reason: r.reason });
      }
    }
    this.d.peers.deleteHint(id);
    const after = this.d.driver().status().members;
    this.d.log.info("member removed", { id });
    return { removed: id, voters: [...after.voters], learners: [...after.learners] };
  }

  /**
   * Leaves the cluster on purpose; see {@link Cluster.leave}.
   * @throws {ApiError} `CONFLICT` when this node is the last voter; `NOT_LEADER` /
   * `UNAVAILABLE` when no leader can be reached
   */
  async leave(drain: () => Promise<unknown>): Promise<LeaveReport> {
    const { id, log } = this.d;
    let transferredTo: string | null = null;
    const s = this.d.driver().status();
    if (s.role === "leader") {
      const health = this.d.health(s);
      const others = s.members.voters.filter((v) => v !== id)
        .sort((a, b) =>
          (health[a]?.silentMs ?? Infinity) - (health[b]?.silentMs ?? Infinity) ||
          (s.matchIndex[b] ?? 0) - (s.matchIndex[a] ?? 0)
        );
      if (others.length === 0) {
        throw new ApiError("CONFLICT", `Node '${id}' is the last voter and cannot leave`, { id });
      }
      transferredTo = others[0];
      this.d.transferLeadership(transferredTo);
      await pollUntil("leadership handed over", () => {
        const now = this.d.driver().status();
        return now.role !== "leader" && now.leader !== null ? true : undefined;
      }, { timeoutMs: 10_000 }).catch(() => {
        log.warn("leadership transfer did not complete; leaving as leader", { to: transferredTo });
      });
    }
    const drained = await drain();
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const r = this.d.driver().status().leader === id
          ? await this.removeHere(id)
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
}
