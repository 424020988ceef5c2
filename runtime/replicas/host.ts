/**
 * The shell of replicas on one node. A stateless agent may run as several instances; where
 * each runs is in the replicated directory (`agent.set-replicas`: index → node), so every
 * node routes by the same view. This node:
 * - spreads the messages it routes to a replicated name over the instances by rendezvous
 *   hashing of the conversation (`pick.ts`): the agent's own mailbox asks it first (on the
 *   agent's node), an endpoint it registers takes them elsewhere; an instance on another
 *   node gets the message over libp2p with its index; an instance that cannot take it (not
 *   running, node unreachable) passes it to the next in the conversation's order;
 * - runs the instances placed on it (except the agent's own instance: the lowest index on
 *   the agent's node), fetching the component from a node that has it;
 * - on the Raft leader, places the instances again when a node is lost (silent past the
 *   cluster's failure detection, `--dead-voter-ms`) or comes back (`deployments/placement.ts`);
 * - scales (`PUT /api/v1/agents/{id}/scale`) and reports each instance (node, state, counts);
 * - keeps the agent's own instance of each stateless agent it holds in line with the
 *   directory (`own-instance.ts`): once this node has caught up with the cluster (a
 *   linearizable read), and at each change of the agent's record, the instance takes the
 *   directory's newest version (its component fetched from a node that has it) and runs
 *   only while an instance is placed here (otherwise it is `placedElsewhere`: it neither
 *   wakes nor starts here, and its messages go to the instances the directory places, or
 *   to the agent's node). The node restores those agents unstarted
 *   (`deferOwn`; a hibernated one is not woken either: its messages wait for the alignment,
 *   which wakes it), so one that comes back never answers with a version it no longer has.
 * @module
 */
import { type AgentIdentifier, aid } from "../acl/mod.ts";
import type { PeerRoute } from "../cluster/mod.ts";
import { type TimerHandle, UNREF_TIMERS } from "../async/mod.ts";
import {
  type AgentManager,
  type AgentRecord,
  type AgentSandbox,
  failedOn,
  type Managed,
  newManaged,
  recordOfVersion,
} from "../agents/mod.ts";
import { type PlacementNode, placeReplicas } from "../deployments/mod.ts";
import {
  type AgentRecord as DirectoryAgent,
  type ApplyResult,
  type DirectoryCommand,
  type DirectoryEvent,
  type DirectoryState,
  getAgent,
  listVersions,
  MAX_REPLICAS,
  type ReplicaPlacement,
} from "../directory/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { EventBus } from "../events/mod.ts";
import type { Logger } from "../log/mod.ts";
import { MIGRATE_PROTOCOL, type NetNode, REPLICA_PROTOCOL } from "../net/mod.ts";
import type { Delivery, MessageRouter } from "../routing/mod.ts";
import { LimitsSchema, ManifestSchema } from "../sandbox/mod.ts";
import { isUnavailable, ReplicaInstance, unavailable } from "./instance.ts";
import { liveNodes, rankInstances, spreadKey } from "./pick.ts";
import { ownInstanceAction, restoresUnstarted } from "./own-instance.ts";
import { requireStateless } from "./stateless.ts";
import {
  ComponentAnswerSchema,
  type InstanceStats,
  type ReplicaRequest,
  ReplicaRequestSchema,
  StatsAnswerSchema,
} from "./wire.ts";

/** What the replica host needs from the node. */
export interface ReplicaHostDeps {
  self: string;
  platform: string;
  state(): DirectoryState;
  onDirectoryEvents(fn: (evs: DirectoryEvent[]) => void): () => void;
  propose(cmd: DirectoryCommand): Promise<ApplyResult>;
  isLeader(): boolean;
  /** Resolves once this node's directory holds everything committed before the call. */
  linearizableRead(): Promise<void>;
  /** Member ids. */
  members(): string[];
  /** How long each other member has been silent (the leader's health view). */
  health(): Record<string, { silentMs: number }>;
  /** Silence after which a node counts as lost (the cluster's `--dead-voter-ms`). */
  deadAfterMs: number;
  /** Each member's load (`list-nodes`). */
  loads(): { id: string; load: number }[];
  router: MessageRouter;
  /** Forwards to a node (the peer route's). */
  forward: PeerRoute["forward"];
  net: NetNode;
  addressOf(node: string): string | undefined;
  isTrustedPeer(peer: string): boolean;
  store: {
    has(hash: string): Promise<boolean>;
    original(hash: string): Promise<Uint8Array | undefined>;
  };
  sandbox: AgentSandbox;
  agents: AgentManager;
  events: EventBus;
  log: Logger;
  /** How often the leader checks the placement, ms (default 500). */
  intervalMs?: number;
  /** Delay before a failed instance is replaced, ms (default 200). */
  restartDelayMs?: number;
}

/** What `scale` and the agent view show of a replicated agent. */
export interface ReplicasView {
  name: string;
  replicas: number;
  instances: ReplicaPlacement[];
}

/** Runs, routes to and places the instances of replicated agents on this node. */
export class ReplicaHost {
  /** Local instances by `name#index`. */
  readonly #local = new Map<string, ReplicaInstance>();
  /** Router endpoints for replicated names whose agent lives elsewhere. */
  readonly #endpoints = new Map<string, () => void>();
  /** Names with more than one instance. */
  readonly #replicated = new Set<string>();
  /** Agents whose placement the leader is changing now. */
  readonly #placing = new Set<string>();
  #unsubscribe?: () => void;
  #timer?: TimerHandle;
  /** This node's directory has caught up with the cluster since it started. */
  #caughtUp = false;
  #reading = false;
  /** The alignment of each agent's own instance under way (one at a time per agent). */
  readonly #aligning = new Map<string, Promise<void>>();
  /** Agents whose own instance could not be aligned (tried again at each interval). */
  readonly #misaligned = new Set<string>();
  /** Agents restored unstarted (see {@link deferOwn}) and not aligned yet. */
  readonly #deferred = new Set<string>();

  constructor(readonly deps: ReplicaHostDeps) {}

  /** Serves the replica protocol, spreads messages, starts the placed instances. */
  async start(): Promise<void> {
    const { net, agents } = this.deps;
    await net.handle(REPLICA_PROTOCOL, ReplicaRequestSchema, (req, ctx) => {
      if (!this.deps.isTrustedPeer(ctx.peer)) {
        throw new ApiError("FORBIDDEN", "not a cluster member", { peer: ctx.peer });
      }
      return this.#serve(req, ctx.peer);
    });
    agents.setSpread((m, d, here) => {
      // Placed elsewhere (see `ownInstanceAction`): never here, where the directory says.
      if (m.placedElsewhere) return this.#dispatch(m.record.name, d, undefined, undefined);
      const rec = getAgent(this.deps.state(), m.record.name);
      if (!rec?.instances) return undefined;
      return this.#dispatch(rec.name, d, undefined, here);
    });
    this.#unsubscribe = this.deps.onDirectoryEvents((evs) => {
      const names = new Set<string>();
      for (const e of evs) {
        if (e.type === "agent.updated") names.add(e.after.name);
        else if (e.type === "agent.registered" || e.type === "agent.deregistered") {
          names.add(e.agent.name);
        }
      }
      if (names.size) this.#reconcile(names);
      if (this.#caughtUp) { for (const name of names) this.#alignOwn(name); }
    });
    const all: string[] = [];
    for (const [name, r] of this.deps.state().agents) if (r.instances) all.push(name);
    this.#reconcile(all);
    this.#catchUp();
    this.#timer = UNREF_TIMERS.every(() => {
      this.#catchUp();
      for (const name of this.#misaligned) if (!this.#aligning.has(name)) this.#alignOwn(name);
      this.#maintain();
    }, this.deps.intervalMs ?? 500);
  }

  /**
   * Whether the node restores its agent (`held`: its local record) unstarted, for the host to
   * start once the directory says which version runs where (see `restoresUnstarted`).
   */
  deferOwn(held: AgentRecord): boolean {
    const defer = restoresUnstarted(held, getAgent(this.deps.state(), held.name));
    if (defer) this.#deferred.add(held.name);
    return defer;
  }

  /** Until it succeeds once: a linearizable read, then every own instance aligned. */
  #catchUp(): void {
    if (this.#caughtUp || this.#reading) return;
    this.#reading = true;
    this.deps.linearizableRead().then(() => {
      this.#caughtUp = true;
      // The deferred ones too: the directory may not know an agent this node holds.
      const names = new Set([...this.deps.state().agents.keys(), ...this.#deferred]);
      for (const name of names) this.#alignOwn(name);
    }, (e) => this.deps.log.debug("directory not caught up yet", { error: String(e) }))
      .finally(() => this.#reading = false);
  }

  /**
   * Aligns the agent's own instance of `name` on this node with the directory (queued):
   * a stateless agent's, or one restored unstarted (the others are their node's alone).
   */
  #alignOwn(name: string): void {
    if (!this.deps.agents.has(name)) return;
    const stateless = getAgent(this.deps.state(), name)?.manifest.stateless === true;
    if (!stateless && !this.#deferred.has(name)) return;
    const next = (this.#aligning.get(name) ?? Promise.resolve()).then(async () => {
      this.#misaligned.delete(name);
      if (!this.deps.agents.has(name)) return;
      let adopted: string | undefined;
      const changed = await this.deps.agents.realign(name, async (current) => {
        const state = this.deps.state();
        const rec = getAgent(state, name);
        const act = ownInstanceAction(this.deps.self, current, rec, listVersions(state, name));
        if (!act.adopt) return { run: act.run };
        await this.#ensureComponent(rec!, act.adopt.component_hash);
        adopted = act.adopt.version;
        return { run: act.run, record: recordOfVersion(current, act.adopt) };
      });
      if (changed === "busy") {
        this.#misaligned.add(name);
        return;
      }
      this.#deferred.delete(name);
      if (changed === "changed") {
        const v = this.deps.agents.get(name);
        this.deps.log.info("own instance aligned with the directory", {
          agent: name,
          version: v.version,
          status: v.status,
        });
        this.deps.events.publish({
          type: "agent.realigned",
          agent_id: name,
          details: { node: this.deps.self, version: v.version, status: v.status, adopted },
        });
      }
    }).catch((e) => {
      this.#misaligned.add(name);
      this.deps.log.warn("own instance not aligned with the directory", {
        agent: name,
        error: String(e),
      });
    });
    this.#aligning.set(name, next);
    void next.finally(() => {
      if (this.#aligning.get(name) === next) this.#aligning.delete(name);
    });
  }

  /** Stops the instances and the protocol. */
  async stop(): Promise<void> {
    UNREF_TIMERS.clear(this.#timer);
    this.#unsubscribe?.();
    await Promise.all(this.#aligning.values());
    this.deps.agents.setSpread(undefined);
    for (const off of this.#endpoints.values()) off();
    this.#endpoints.clear();
    await Promise.all([...this.#local.values()].map((i) => i.close()));
    this.#local.clear();
    await this.deps.net.unhandle(REPLICA_PROTOCOL).catch(() => {});
  }

  /**
   * Runs agent `name` as `replicas` instances, placed over the live nodes by load (those
   * already placed stay). Refused with `CONFLICT` naming `replicas` for a stateful agent.
   */
  async scale(name: string, replicas: number): Promise<ReplicasView> {
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) {
      throw new ApiError(
        "INVALID_REQUEST",
        `replicas must be a whole number from 1 to ${MAX_REPLICAS}, got ${replicas}`,
        { field: "replicas", value: replicas, max: MAX_REPLICAS },
      );
    }
    const rec = getAgent(this.deps.state(), name);
    if (!rec) {
      throw new ApiError("AGENT_NOT_FOUND", `Agent '${name}' not found`, { agent: name });
    }
    requireStateless(name, rec.manifest.stateless, replicas);
    if (rec.rollout) {
      throw new ApiError(
        "CONFLICT",
        `A rolling deployment of '${name}' is under way: scale it once it ended`,
        { agent: name, field: "replicas" },
      );
    }
    const current = rec.instances?.map((p) => p.node) ?? [rec.node];
    const nodes = replicas > 1 ? placementNodes(rec, this.#liveNodes(), this.deps.loads()) : [];
    const placed = replicas > 1
      ? placeReplicas(replicas, nodes, current).map((node, index) => ({ index, node }))
      : [{ index: 0, node: rec.node }];
    const res = await this.deps.propose({
      type: "agent.set-replicas",
      name,
      instances: placed,
      at: new Date().toISOString(),
    });
    if (!res.ok) {
      throw new ApiError("CONFLICT", `The directory refused to scale '${name}': ${res.message}`, {
        agent: name,
        field: "replicas",
      });
    }
    this.deps.events.publish({
      type: "agent.scaled",
      agent_id: name,
      details: { replicas, instances: placed },
    });
    return { name, replicas, instances: replicas > 1 ? placed : [] };
  }

  /** The placement of agent `name` (empty when it runs as one instance). */
  placement(name: string): ReplicaPlacement[] {
    return getAgent(this.deps.state(), name)?.instances ?? [];
  }

  /**
   * Has the instances `indexes` of agent `name` run `next` (a rolling deployment's version:
   * its component, loaded on this node, and config), the others the agent's version;
   * without `next`, every instance runs the agent's version again.
   */
  async rollout(
    name: string,
    next: { component_hash: string; config: Record<string, unknown> } | undefined,
    indexes: readonly number[],
  ): Promise<void> {
    const placed = this.placement(name);
    if (placed.length < 2) {
      throw new ApiError("CONFLICT", `Agent '${name}' runs as one instance`, { agent: name });
    }
    const res = await this.deps.propose({
      type: "agent.set-replicas",
      name,
      instances: placed.map(({ next: _, ...p }) =>
        next && indexes.includes(p.index) ? { ...p, next: true as const } : p
      ),
      ...(next ? { rollout: next } : {}),
      at: new Date().toISOString(),
    });
    if (!res.ok) {
      throw new ApiError(
        "CONFLICT",
        `The directory refused the instances of '${name}': ${res.message}`,
        {
          agent: name,
        },
      );
    }
  }

  /** Sends component `hash` (stored here) to every other node running an instance of `name`. */
  async share(name: string, hash: string): Promise<void> {
    const bytes = await this.deps.store.original(hash);
    if (!bytes) {
      throw new ApiError("CONFLICT", `Component ${hash} is not stored here`, { hash });
    }
    const nodes = new Set(this.placement(name).map((p) => p.node));
    nodes.delete(this.deps.self);
    await Promise.all([...nodes].map(async (node) => {
      const addr = this.deps.addressOf(node);
      if (!addr) return;
      await this.deps.net.transfer(addr, MIGRATE_PROTOCOL, { type: "component", hash }, bytes, {
        idleTimeoutMs: 180_000,
      });
    }));
  }

  /** The node of agent `name`'s own instance (its record's node). */
  homeOf(name: string): string | undefined {
    return getAgent(this.deps.state(), name)?.node;
  }

  /** Whether this node carries on the rolling deployments of lost nodes (the leader). */
  carrier(): boolean {
    return this.deps.isLeader();
  }

  /** Whether `node` is lost: not live in this node's view (meaningful on the leader). */
  lost(node: string): boolean {
    return !this.#liveNodes().includes(node);
  }

  /** The version a rolling deployment brings to agent `name`'s instances, if any. */
  rolloutOf(name: string): { component_hash: string; config: Record<string, unknown> } | undefined {
    return getAgent(this.deps.state(), name)?.rollout;
  }

  /** The index of the agent's own instance (its `Managed`, not a replica), if placed. */
  ownIndex(name: string): number | undefined {
    const rec = getAgent(this.deps.state(), name);
    return rec?.instances?.find((p) => isOwn(rec, p))?.index;
  }

  /**
   * Each instance of agent `name` with its node, state and counts, asked of the nodes that
   * run them (one that does not answer within 2 s: `unreachable`). Empty for one instance.
   */
  async instances(name: string): Promise<InstanceStats[]> {
    const placed = this.placement(name);
    const byNode = new Map<string, ReplicaPlacement[]>();
    for (const p of placed) byNode.set(p.node, [...byNode.get(p.node) ?? [], p]);
    const out: InstanceStats[] = [];
    await Promise.all([...byNode].map(async ([node, ps]) => {
      let got: InstanceStats[] = [];
      if (node === this.deps.self) got = this.#localStats(name);
      else {
        const addr = this.deps.addressOf(node);
        try {
          if (!addr) throw new Error("no address");
          got =
            (await this.deps.net.request(addr, REPLICA_PROTOCOL, { type: "stats", agent: name }, {
              timeoutMs: 2000,
              responseSchema: StatsAnswerSchema,
            })).instances;
        } catch {
          got = [];
        }
      }
      for (const p of ps) {
        out.push(
          got.find((s) => s.index === p.index) ??
            { index: p.index, node, state: "unreachable", handled: 0, failed: 0, restarts: 0 },
        );
      }
    }));
    return out.sort((a, b) => a.index - b.index);
  }

  /** Hands `d` (for `name`) to the instance its conversation ranks first that takes it. */
  async #dispatch(
    name: string,
    d: Delivery,
    r: AgentIdentifier | undefined,
    here?: () => void | Promise<void>,
  ): Promise<void> {
    const rec = getAgent(this.deps.state(), name);
    const to = r ?? d.message.receivers.find((x) => this.deps.router.localName(x) === name) ??
      aid(`${name}@${this.deps.platform}`);
    if (!rec?.instances) {
      if (here) return await here();
      if (rec) return await this.deps.forward(rec.node, d, to, name);
      throw new ApiError("AGENT_NOT_FOUND", `Agent '${name}' not found`, { agent: name });
    }
    if (d.instance !== undefined) {
      const p = rec.instances.find((x) => x.index === d.instance);
      if (!p || p.node !== this.deps.self) throw unavailable(name, d.instance, this.deps.self);
      return await this.#deliverLocal(rec, p, d, here);
    }
    let last: unknown;
    for (
      const p of rankInstances(spreadKey(d.message.conversation_id, d.message_id), rec.instances)
    ) {
      try {
        if (p.node === this.deps.self) return await this.#deliverLocal(rec, p, d, here);
        return await this.deps.forward(p.node, d, to, name, p.index);
      } catch (e) {
        const gone = isUnavailable(e) ||
          (p.node !== this.deps.self && e instanceof ApiError && e.code === "AGENT_NOT_FOUND");
        if (!gone) throw e;
        last = e;
      }
    }
    throw last ?? unavailable(name, 0, this.deps.self);
  }

  #deliverLocal(
    rec: DirectoryAgent,
    p: ReplicaPlacement,
    d: Delivery,
    here?: () => void | Promise<void>,
  ): void | Promise<void> {
    const name = rec.name;
    if (isOwn(rec, p)) {
      if (!here) throw unavailable(name, p.index, this.deps.self);
      try {
        return here();
      } catch (e) {
        // The agent's own instance is not running (failed, restarting): the next one.
        if (e instanceof ApiError && e.code === "AGENT_UNAVAILABLE") {
          throw unavailable(name, p.index, this.deps.self);
        }
        throw e;
      }
    }
    const inst = this.#local.get(key(name, p.index));
    if (!inst) throw unavailable(name, p.index, this.deps.self);
    const done = inst.deliver(d);
    if (done && d.await_handled) return done.catch((e) => Promise.reject(failedOn(name, e)));
    return done;
  }

  #localStats(name: string): InstanceStats[] {
    const rec = getAgent(this.deps.state(), name);
    const out: InstanceStats[] = [];
    for (const p of rec?.instances ?? []) {
      if (p.node !== this.deps.self) continue;
      if (isOwn(rec!, p)) {
        let v;
        try {
          v = this.deps.agents.get(name);
        } catch {
          continue;
        }
        out.push({
          index: p.index,
          node: p.node,
          state: v.status === "running" || v.status === "hibernated"
            ? "running"
            : v.status === "failed"
            ? "failed"
            : "starting",
          handled: v.metrics.messages_processed,
          failed: v.metrics.messages_failed,
          restarts: v.metrics.restarts,
          component_hash: v.hash,
        });
        continue;
      }
      const i = this.#local.get(key(name, p.index));
      if (i) out.push(i.stats());
    }
    return out;
  }

  async #serve(req: ReplicaRequest, peer: string): Promise<unknown> {
    if (req.type === "stats") return { instances: this.#localStats(req.agent) };
    const bytes = await this.deps.store.original(req.hash);
    if (!bytes) {
      throw new ApiError("NOT_FOUND", `Component ${req.hash} is not stored here`, {
        hash: req.hash,
      });
    }
    await this.deps.net.transfer(
      peer,
      MIGRATE_PROTOCOL,
      { type: "component", hash: req.hash },
      bytes,
      {
        idleTimeoutMs: 180_000,
      },
    );
    return { sent: true };
  }

  /** Brings this node's endpoints and instances of `names` in line with the directory. */
  #reconcile(names: Iterable<string>): void {
    const { self, router } = this.deps;
    const state = this.deps.state();
    for (const name of names) {
      const rec = getAgent(state, name);
      const placed = rec?.instances;
      if (placed) this.#replicated.add(name);
      else this.#replicated.delete(name);
      // Elsewhere than the agent's node, an endpoint takes the name's messages here.
      const wantEndpoint = placed !== undefined && rec!.node !== self;
      if (wantEndpoint && !this.#endpoints.has(name) && !router.hasLocal(name)) {
        this.#endpoints.set(
          name,
          router.register(name, { deliver: (d, to) => this.#dispatch(name, d, to) }),
        );
      } else if (!wantEndpoint && this.#endpoints.has(name)) {
        this.#endpoints.get(name)!();
        this.#endpoints.delete(name);
      }
      const want = new Map<number, ReplicaPlacement>();
      for (const p of placed ?? []) if (p.node === self && !isOwn(rec!, p)) want.set(p.index, p);
      for (const [k, inst] of this.#local) {
        if (inst.name !== name) continue;
        const p = want.get(inst.index);
        if (!p || inst.version.hash !== versionOf(rec!, p).hash) {
          this.#local.delete(k);
          void inst.close();
        }
      }
      for (const p of want.values()) {
        if (this.#local.has(key(name, p.index))) continue;
        this.#startInstance(rec!, p);
      }
    }
  }

  #startInstance(rec: DirectoryAgent, p: ReplicaPlacement): void {
    const { deps } = this;
    const index = p.index;
    const want = versionOf(rec, p);
    const version = want.config
      ? undefined
      : listVersions(deps.state(), rec.name).findLast((v) => v.component_hash === want.hash);
    const config = want.config ?? version?.config;
    if (!config) {
      deps.log.warn("no recorded version for a replica instance", { agent: rec.name, index });
      return;
    }
    const manifest = ManifestSchema.parse(config.manifest ?? {});
    const limits = LimitsSchema.parse(config.limits ?? {});
    const label = version?.version ?? String(config.version ?? "next");
    const since = version?.deployed_at ?? rec.updated_at;
    const managed: Managed = newManaged({
      agent_id: `${rec.name}#${index}`,
      name: rec.name,
      version: label,
      hash: want.hash,
      manifest,
      limits,
      restart: { type: "immediate" } as Managed["record"]["restart"],
      state: "running",
      deployed_at: since,
      updated_at: since,
      deployment_id: version?.deployment_id ?? "rolling",
    }, Date.now());
    const inst = new ReplicaInstance(
      {
        platform: deps.platform,
        node: deps.self,
        activate: (o) => deps.sandbox.activate(o),
        support: (m) => deps.agents.replicaSupport(m),
        changed: (i, what, reason) =>
          deps.events.publish({
            type: what === "failed" ? "agent.instance_failed" : "agent.instance_started",
            agent_id: i.name,
            details: { index: i.index, node: deps.self, ...(reason ? { reason } : {}) },
          }),
        restartDelayMs: deps.restartDelayMs ?? 200,
        log: deps.log,
      },
      rec.name,
      index,
      { hash: want.hash, manifest, limits },
      managed,
    );
    this.#local.set(key(rec.name, index), inst);
    void (async () => {
      await this.#ensureComponent(rec, want.hash);
      if (this.#local.get(key(rec.name, index)) === inst) await inst.start();
    })().catch((e) => {
      deps.log.warn("replica instance could not start", {
        agent: rec.name,
        index,
        error: String(e),
      });
      inst.state = "failed";
    });
  }

  async #ensureComponent(rec: DirectoryAgent, hash: string): Promise<void> {
    const { deps } = this;
    if (await deps.store.has(hash)) return;
    const from = [rec.node, ...(rec.instances ?? []).map((p) => p.node), ...deps.members()]
      .filter((n, i, a) => n !== deps.self && a.indexOf(n) === i);
    let last: unknown;
    for (const node of from) {
      const addr = deps.addressOf(node);
      if (!addr) continue;
      try {
        await deps.net.request(addr, REPLICA_PROTOCOL, { type: "component", hash }, {
          timeoutMs: 180_000,
          responseSchema: ComponentAnswerSchema,
        });
        if (await deps.store.has(hash)) return;
      } catch (e) {
        last = e;
      }
    }
    throw new ApiError("UNAVAILABLE", `No node sent component ${hash}: ${last}`, { hash });
  }

  /** Live nodes as this node knows them (the leader's health view; elsewhere every member). */
  #liveNodes(): string[] {
    const { self } = this.deps;
    return this.deps.isLeader()
      ? liveNodes(self, this.deps.members(), this.deps.health(), this.deps.deadAfterMs)
      : [...this.deps.members()].sort();
  }

  /** On the leader: places again the instances of agents with an instance on a lost node. */
  #maintain(): void {
    if (!this.deps.isLeader() || this.#replicated.size === 0) return;
    const live = this.#liveNodes();
    const loads = this.deps.loads();
    const state = this.deps.state();
    for (const name of this.#replicated) {
      if (this.#placing.has(name)) continue;
      const rec = getAgent(state, name);
      if (!rec?.instances) continue;
      const nodes = placementNodes(rec, live, loads);
      const current = rec.instances.map((p) => p.node);
      const next = placeReplicas(current.length, nodes, current);
      if (next.every((n, i) => n === current[i])) continue;
      this.#placing.add(name);
      // A rolling deployment under way goes on: each index keeps the version it runs.
      const instances = next.map((node, index) =>
        rec.instances![index]?.next ? { index, node, next: true as const } : { index, node }
      );
      this.deps.propose({
        type: "agent.set-replicas",
        name,
        instances,
        ...(rec.rollout ? { rollout: rec.rollout } : {}),
        at: new Date().toISOString(),
      }).then((res) => {
        if (!res.ok) return;
        this.deps.log.info("replicas placed again", { agent: name, instances });
        this.deps.events.publish({
          type: "agent.replicas_placed",
          agent_id: name,
          details: { instances, live },
        });
      }, (e) =>
        this.deps.log.debug("could not place replicas again", {
          agent: name,
          error: String(e),
        })).finally(() => this.#placing.delete(name));
    }
  }
}

/** The component (and, for a rolling deployment's version, the config) `p` runs. */
function versionOf(
  rec: DirectoryAgent,
  p: ReplicaPlacement,
): { hash: string; config?: Record<string, unknown> } {
  return p.next && rec.rollout
    ? { hash: rec.rollout.component_hash, config: rec.rollout.config }
    : { hash: rec.component_hash };
}

/** Whether `p` is the agent's own instance: the lowest index placed on the agent's node. */
function isOwn(rec: DirectoryAgent, p: ReplicaPlacement): boolean {
  if (p.node !== rec.node) return false;
  const own = rec.instances!.filter((x) => x.node === rec.node).reduce(
    (a, b) => Math.min(a, b.index),
    Infinity,
  );
  return own === p.index;
}

function key(name: string, index: number): string {
  return `${name}#${index}`;
}

/** The live nodes with their loads (unknown load: 1, the most). */
function placementNodes(
  _rec: DirectoryAgent,
  live: readonly string[],
  loads: readonly { id: string; load: number }[],
): PlacementNode[] {
  const l = new Map(loads.map((n) => [n.id, n.load]));
  return live.map((id) => ({ id, load: l.get(id) ?? 1 }));
}
