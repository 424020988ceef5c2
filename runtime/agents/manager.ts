import { type AclMessage, type AgentIdentifier, aid } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { EventBus } from "../events/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { NodeMetrics } from "../metrics/mod.ts";
import { deliveryFailureMessage } from "../mtp/mod.ts";
import { type Delivery, type MessageRouter, newMessageId } from "../routing/mod.ts";
import type {
  AgentFailureInfo,
  AgentHandle,
  CheckpointDelta,
  ComponentStore,
  HostCallbacks,
  MemorySnapshot,
  NodeInfo,
  Sandbox,
} from "../sandbox/mod.ts";
import {
  type AgentActivity,
  type AgentCapture,
  type AgentSnapshots,
  DEFAULT_HIBERNATE_AFTER_SECONDS,
  type HeldDelivery,
  type HeldLog,
  type MigrationHop,
  type StagedArrival,
} from "./contract.ts";
import { AgentStore } from "./agent-store.ts";
import { Checkpointer } from "./checkpointer.ts";
import type { DeployConfig, UpdateConfig } from "./deploy-config.ts";
import { type AgentCounters, type AgentRecord, type AgentState, newAgentId } from "./record.ts";
import { decideRestart, type FailureRecord, recordSuccess } from "./restart.ts";
import { type AgentView, toView } from "./view.ts";
import { mailboxFull } from "../sandbox/mod.ts";

/** How the manager tells the cluster about its agents; absent on a lone node. */
export interface AgentDirectory {
  /** Claims the name cluster-wide; throws `AGENT_ALREADY_EXISTS` if it is taken. */
  register(record: AgentRecord): Promise<void>;
  setState(name: string, state: AgentState): Promise<void>;
  deregister(name: string): Promise<void>;
  /** Providers of a service (for `find-agents-by-service`). */
  findAgentsByService(service: string): AgentIdentifier[];
  /** The cluster's nodes (for `list-nodes`). */
  listNodes(): NodeInfo[];
  /** The node an agent lives on. */
  nodeOf(name: string): string | undefined;
}

/** What the manager needs from the node. */
export interface AgentManagerDeps {
  kv: Deno.Kv;
  store: ComponentStore;
  sandbox: Sandbox;
  router: MessageRouter;
  events: EventBus;
  log: Logger;
  metrics?: NodeMetrics;
  /** This node's id (member id in a cluster). */
  nodeId: string;
  directory?: AgentDirectory;
  /** Clock, ms since the epoch. */
  now?: () => number;
  /**
   * Where the last snapshot of each agent is kept (hibernation, shutdown, restarts,
   * migration). Without it agents never hibernate and restart fresh.
   */
  snapshots?: AgentSnapshots;
  /** Durable log of messages held while an agent moves (see {@link AgentManager.pauseForMove}). */
  held?: HeldLog;
  /** Longest wait of an at-most-once handling's changes for a checkpoint (default 1 s). */
  checkpointIntervalMs?: number;
}

/** A held delivery and, for at-least-once senders, how to tell them it was handled. */
interface Queued extends HeldDelivery {
  settle?: (handled: Promise<void>) => void;
}

/** Deliveries waiting while the agent is paused (waking, hibernating, moving, arriving). */
interface Hold {
  reason: "wake" | "hibernate" | "move" | "arrive" | "recover";
  queue: Queued[];
  /** Each held message is written to the held log before it is acknowledged. */
  durable: boolean;
  /** Entries at the front that came with the agent's snapshot (arrivals). */
  front: number;
}

interface Managed {
  record: AgentRecord;
  handle?: AgentHandle;
  /** Makes the handle's changes durable (checkpoints); one per handle. */
  ckpt?: Checkpointer;
  counters: AgentCounters;
  failures: FailureRecord;
  unregister?: () => void;
  restartTimer?: ReturnType<typeof setTimeout>;
  /** Serializes lifecycle operations on this agent. */
  busy: Promise<unknown>;
  /** Set while deliveries wait instead of reaching the agent. */
  hold?: Hold;
  /** Ends the lifecycle lock a move holds. */
  unlock?: () => void;
  /** Where the agent has been. */
  history: MigrationHop[];
  /** Last message or activation, ms since the epoch. */
  lastActive: number;
}

/** Filters and paging of {@link AgentManager.list}. */
export interface ListOptions {
  status?: AgentState;
  limit?: number;
  offset?: number;
  /** Only the agents this admits (a caller's read scopes), counted before paging. */
  visible?: (name: string) => boolean;
}

/**
 * Agent lifecycle on one node: deploy, update, stop, resume, remove, and supervision with
 * the agent's restart strategy. Agents are addressed by name (unique) or by `agent_id`.
 * Records and agent storage live in Deno KV, so a restarted node brings back every agent
 * that was running. An `at-most-once` message is acknowledged once it is in the agent's
 * mailbox (in memory); an `at-least-once` message only after the agent handled it (the
 * router waits for the promise the delivery returns) or, while the agent moves, once it is
 * in the held log. A full mailbox answers `RESOURCE_LIMIT_EXCEEDED` (429, `Retry-After`).
 */
export class AgentManager {
  readonly #agents = new Map<string, Managed>();
  readonly #byId = new Map<string, string>();
  readonly #store: AgentStore;
  readonly #now: () => number;
  #closed = false;
  #migrate?: (name: string, node: string) => Promise<unknown>;

  constructor(readonly deps: AgentManagerDeps) {
    this.#store = new AgentStore(deps.kv);
    this.#now = deps.now ?? Date.now;
  }

  /**
   * Brings back the agents persisted on this node: those that were running start again from
   * their last snapshot when they have one (fresh otherwise), hibernated ones wake on their
   * next message. Agents named in `inDoubt` (a move was under way when the node stopped)
   * come back paused, holding their messages, until {@link resolveMove} decides.
   */
  async restore(opts: { inDoubt?: Iterable<string> } = {}): Promise<void> {
    const doubt = new Set(opts.inDoubt ?? []);
    for (const record of await this.#store.records()) {
      const m = this.#track(record);
      if (doubt.has(record.name)) {
        m.hold = {
          reason: "recover",
          queue: await this.deps.held?.list(record.name) ?? [],
          durable: this.deps.held !== undefined,
          front: 0,
        };
        this.#lock(m);
        continue;
      }
      if (record.state === "running" || record.state === "loaded") {
        try {
          const last = await this.#lastSnapshot(m);
          await this.#activate(m, last);
          await this.#replayHeld(m, last);
        } catch (e) {
          this.#markFailed(
            m,
            "trap",
            `could not restart after node restart: ${(e as Error).message}`,
          );
        }
      }
    }
  }

  /** Deploys a new agent from component bytes. */
  async deploy(
    bytes: Uint8Array,
    config: DeployConfig,
    opts: { publisherKeyId?: string } = {},
  ): Promise<AgentView> {
    this.#open();
    if (this.#agents.has(config.name)) {
      throw new ApiError("AGENT_ALREADY_EXISTS", `Agent name '${config.name}' already in use`, {
        name: config.name,
      });
    }
    const { hash } = await this.deps.store.load(bytes);
    const at = new Date(this.#now()).toISOString();
    const record: AgentRecord = {
      agent_id: newAgentId(),
      name: config.name,
      version: config.version,
      hash,
      manifest: config.manifest,
      limits: config.limits,
      restart: config.restart,
      hibernate_after_seconds: config.hibernate_after_seconds,
      ...(opts.publisherKeyId ? { publisher_key_id: opts.publisherKeyId } : {}),
      state: "loaded",
      deployed_at: at,
      updated_at: at,
      deployment_id: `deploy_${crypto.randomUUID().slice(0, 8)}`,
    };
    if (this.#agents.has(config.name)) {
      throw new ApiError("AGENT_ALREADY_EXISTS", `Agent name '${config.name}' already in use`, {
        name: config.name,
      });
    }
    const m = this.#track(record);
    try {
      await this.deps.directory?.register(record);
      await this.#activate(m);
      await this.#store.putRecord(m.record);
    } catch (e) {
      this.#untrack(m);
      await m.handle?.terminate().catch(() => {});
      await this.deps.directory?.deregister(record.name).catch(() => {});
      throw e;
    }
    this.deps.events.publish({
      type: "agent.deployed",
      agent_id: record.name,
      version: record.version,
      hash,
    });
    return this.#view(m);
  }

  /** Agents on this node, sorted by name. */
  list(opts: ListOptions = {}): { agents: AgentView[]; total: number; next_offset?: number } {
    const all = [...this.#agents.values()]
      .filter((m) => !opts.status || m.record.state === opts.status)
      .filter((m) => !opts.visible || opts.visible(m.record.name))
      .sort((a, b) => a.record.name.localeCompare(b.record.name));
    const offset = opts.offset ?? 0;
    const limit = opts.limit ?? 100;
    const page = all.slice(offset, offset + limit).map((m) => this.#view(m));
    return {
      agents: page,
      total: all.length,
      ...(offset + limit < all.length ? { next_offset: offset + limit } : {}),
    };
  }

  /** One agent by name, full name (`name@platform`) or agent id. */
  get(ref: string): AgentView {
    return this.#view(this.#find(ref));
  }

  /** Whether an agent of that name is managed here. */
  has(name: string): boolean {
    return this.#agents.has(name);
  }

  /**
   * Updates an agent: a new component and/or config. The agent's storage carries over; its
   * memory does not (the new component starts with `init`).
   */
  update(
    ref: string,
    change: { bytes?: Uint8Array; config?: UpdateConfig; publisherKeyId?: string },
  ): Promise<AgentView> {
    const m = this.#find(ref);
    return this.#serial(m, async () => {
      const hash = change.bytes ? (await this.deps.store.load(change.bytes)).hash : m.record.hash;
      const c = change.config ?? {};
      const { publisher_key_id: _was, ...kept } = m.record;
      // A new component carries its own signer (or none); a config change keeps the old one.
      const publisher = change.bytes ? change.publisherKeyId : m.record.publisher_key_id;
      const next: AgentRecord = {
        ...kept,
        ...(publisher ? { publisher_key_id: publisher } : {}),
        hash,
        version: c.version ?? m.record.version,
        manifest: c.manifest ?? m.record.manifest,
        limits: c.limits ?? m.record.limits,
        restart: c.restart ?? m.record.restart,
        hibernate_after_seconds: c.hibernate_after_seconds ?? m.record.hibernate_after_seconds,
        updated_at: new Date(this.#now()).toISOString(),
        deployment_id: `deploy_${crypto.randomUUID().slice(0, 8)}`,
      };
      const wasActive = m.handle !== undefined;
      const old = m.handle;
      m.record = next;
      if (wasActive) {
        await this.#drain(old!, 5_000);
        await m.ckpt?.flush().catch(() => {});
        this.#closeCheckpoints(m);
        m.handle = undefined;
        await old!.terminate().catch(() => {});
        await this.#activate(m);
      }
      await this.#store.putRecord(m.record);
      this.deps.events.publish({
        type: "agent.updated",
        agent_id: next.name,
        version: next.version,
        hash,
      });
      return this.#view(m);
    });
  }

  /**
   * Stops an agent: it takes no new messages (`draining`), handles those in its mailbox
   * when `drain` (within the grace period), then `shutdown` runs and it is `stopped`.
   */
  stop(ref: string, opts: { graceSeconds?: number; drain?: boolean } = {}): Promise<AgentView> {
    const m = this.#find(ref);
    return this.#serial(m, async () => {
      clearTimeout(m.restartTimer);
      const h = m.handle;
      if (h) {
        this.#setState(m, "draining");
        if (opts.drain ?? true) await this.#drain(h, (opts.graceSeconds ?? 30) * 1000);
        await m.ckpt?.flush().catch((e) =>
          this.deps.log.warn("checkpoint before stop failed", {
            agent: m.record.name,
            error: String(e),
          })
        );
        this.#closeCheckpoints(m);
        await Promise.race([h.shutdown().catch(() => {}), sleep(1000)]);
        await h.terminate().catch(() => {});
        m.handle = undefined;
      }
      this.#setState(m, "stopped");
      await this.#store.putRecord(m.record);
      this.deps.events.publish({ type: "agent.stopped", agent_id: m.record.name });
      return this.#view(m);
    });
  }

  /** Starts a stopped or failed agent again (fresh instance, storage kept). */
  resume(ref: string): Promise<AgentView> {
    const m = this.#find(ref);
    return this.#serial(m, async () => {
      if (m.handle) return this.#view(m);
      clearTimeout(m.restartTimer);
      m.failures = { times: [], consecutive: 0 };
      const wake = m.record.state === "hibernated";
      await this.#activate(m, wake ? await this.#lastSnapshot(m) : undefined);
      await this.#store.putRecord(m.record);
      this.deps.events.publish({ type: "agent.started", agent_id: m.record.name });
      return this.#view(m);
    });
  }

  /** Removes an agent, its record and its storage. */
  remove(
    ref: string,
  ): Promise<{ agent_id: string; name: string; status: "removed"; removed_at: string }> {
    const m = this.#find(ref);
    return this.#serial(m, async () => {
      clearTimeout(m.restartTimer);
      this.#closeCheckpoints(m);
      await m.handle?.terminate().catch(() => {});
      m.handle = undefined;
      this.#untrack(m);
      await this.#store.deleteAgent(m.record.name);
      await this.deps.snapshots?.remove(m.record.name).catch(() => {});
      await this.deps.directory?.deregister(m.record.name).catch((e) =>
        this.deps.log.warn("directory deregister failed", {
          agent: m.record.name,
          error: String(e),
        })
      );
      this.deps.events.publish({ type: "agent.removed", agent_id: m.record.name });
      return {
        agent_id: m.record.agent_id,
        name: m.record.name,
        status: "removed" as const,
        removed_at: new Date(this.#now()).toISOString(),
      };
    });
  }

  /** Mailbox depth and state counts, for metrics. */
  stats(): { byState: Record<string, number>; mailbox: Record<string, number> } {
    const byState: Record<string, number> = {};
    const mailbox: Record<string, number> = {};
    for (const m of this.#agents.values()) {
      byState[m.record.state] = (byState[m.record.state] ?? 0) + 1;
      if (m.handle) mailbox[m.record.name] = m.handle.pending;
    }
    return { byState, mailbox };
  }

  // ---- hibernation and moves ----

  /** Sets what serves an agent's `migrate-to` request (the migration service). */
  onMigrateRequest(handler: (name: string, node: string) => Promise<unknown>): void {
    this.#migrate = handler;
  }

  /** Each agent's state, last activity and idle limit (for the hibernation scheduler). */
  activity(): AgentActivity[] {
    return [...this.#agents.values()].map((m) => ({
      name: m.record.name,
      state: m.record.state,
      last_active_ms: Math.max(m.lastActive, m.counters.last_message_at ?? 0),
      hibernate_after_seconds: m.record.hibernate_after_seconds ??
        DEFAULT_HIBERNATE_AFTER_SECONDS,
      pending: (m.handle?.pending ?? 0) + (m.hold?.queue.length ?? 0),
    }));
  }

  /**
   * Hibernates a running agent: snapshots it at a message boundary into the node's snapshot
   * store and frees its sandbox instance (state `hibernated`). Its next message wakes it
   * from that snapshot, transparently. A message that arrives while the snapshot is taken
   * keeps it running.
   *
   * @throws {ApiError} `UNAVAILABLE` without a snapshot store, `CONFLICT` unless running.
   */
  hibernate(ref: string): Promise<AgentView> {
    const m = this.#find(ref);
    return this.#serial(m, async () => {
      const snapshots = this.deps.snapshots;
      if (!snapshots) throw new ApiError("UNAVAILABLE", "this node keeps no snapshots");
      if (m.record.state === "hibernated" && !m.handle) return this.#view(m);
      const h = m.handle;
      if (!h || m.record.state !== "running" || m.hold) {
        throw new ApiError(
          "CONFLICT",
          `Agent '${m.record.name}' is ${m.record.state}; only a running agent hibernates`,
          { agent: m.record.name, state: m.record.state },
        );
      }
      const hold: Hold = { reason: "hibernate", queue: [], durable: false, front: 0 };
      m.hold = hold;
      try {
        await m.ckpt?.flush();
        await snapshots.save(await this.#capture(m, h), "hibernation");
      } catch (e) {
        this.#release(m);
        throw e;
      }
      if (hold.queue.length > 0 || m.handle !== h) {
        this.#release(m);
        return this.#view(m);
      }
      this.#closeCheckpoints(m);
      m.handle = undefined;
      this.#setState(m, "hibernated");
      m.hold = undefined;
      this.deps.metrics?.hibernations.inc();
      this.deps.events.publish({ type: "agent.hibernated", agent_id: m.record.name });
      await h.terminate().catch(() => {});
      await this.#store.putRecord(m.record);
      return this.#view(m);
    });
  }

  /**
   * Source side of a move: waits for the agent's other lifecycle operations, pauses it at
   * its next message boundary and captures it (with `hop` added to its history). From then
   * on its messages are held, in order, and written to the held log before they are
   * acknowledged; its lifecycle stays locked until {@link resumeAfterMove} (the move did
   * not happen: it continues here) or {@link releaseMoved} (the move committed).
   *
   * @throws {ApiError} `AGENT_NOT_FOUND`; `CONFLICT` unless running or hibernated.
   */
  async pauseForMove(ref: string, hop: MigrationHop): Promise<AgentCapture> {
    const m = this.#find(ref);
    const name = m.record.name;
    const entered = Promise.withResolvers<void>();
    const gate = Promise.withResolvers<void>();
    this.#serial(m, () => {
      entered.resolve();
      return gate.promise;
    }).catch((e) => entered.reject(e));
    await entered.promise;
    m.unlock = gate.resolve;
    try {
      this.#open();
      if (this.#agents.get(name) !== m) {
        throw new ApiError("AGENT_NOT_FOUND", `Agent '${ref}' not found`, { agent: ref });
      }
      if (m.hold && m.hold.reason !== "wake") {
        throw new ApiError("CONFLICT", `Agent '${name}' is busy (${m.hold.reason})`, {
          agent: name,
        });
      }
      const hibernated = !m.handle && m.record.state === "hibernated";
      if (!hibernated && (!m.handle || m.record.state !== "running")) {
        throw new ApiError(
          "CONFLICT",
          `Agent '${name}' is ${m.record.state}; only running or hibernated agents move`,
          { agent: name, state: m.record.state },
        );
      }
      const hold: Hold = {
        reason: "move",
        queue: m.hold?.queue ?? [],
        durable: this.deps.held !== undefined,
        front: 0,
      };
      m.hold = hold;
      for (const q of hold.queue) await this.deps.held?.append(name, q);
      let capture: AgentCapture;
      if (m.handle) {
        await m.ckpt?.flush();
        capture = await this.#capture(m, m.handle);
      } else {
        const last = await this.#lastSnapshot(m);
        if (!last) {
          throw new ApiError("CONFLICT", `Agent '${name}' is hibernated without a snapshot`, {
            agent: name,
          });
        }
        const storage = [...(await this.#store.loadStorage(name))].sort(byKey);
        capture = { ...last, record: m.record, storage, history: m.history };
      }
      return {
        ...capture,
        record: { ...m.record, state: "running" },
        queued: hold.queue.map(({ delivery, to }) => ({ delivery, to })),
        history: [...m.history, hop],
      };
    } catch (e) {
      await this.resumeAfterMove(name).catch(() => {});
      throw e;
    }
  }

  /**
   * The move did not happen (or, with `arrived`, an interrupted arrival turned out to have
   * committed): the agent continues here, restored from its last snapshot if a restart left
   * it without an instance, and gets the messages it held, in order. On a source the held
   * log has every message the snapshot holds; an arrival's snapshot holds the source's,
   * which go first (`arrived`).
   */
  async resumeAfterMove(ref: string, opts: { arrived?: boolean } = {}): Promise<void> {
    const m = this.#find(ref);
    const hold = m.hold;
    try {
      if (hold && (hold.reason === "move" || hold.reason === "recover")) {
        const state = m.record.state;
        if (!m.handle && (state === "running" || state === "loaded")) {
          try {
            const last = await this.#lastSnapshot(m);
            await this.#activate(m, last && (opts.arrived ? last : { ...last, queued: [] }));
          } catch (e) {
            this.#markFailed(m, "trap", `could not resume after a move: ${(e as Error).message}`);
          }
        }
        this.#release(m);
        await this.deps.held?.clear(m.record.name);
      }
    } finally {
      this.#unlock(m);
    }
  }

  /**
   * The move committed: the agent leaves this node (instance dropped, no longer reachable
   * here). Returns the messages it held, in order, for the new node. What this node
   * persisted of it stays until {@link forgetMoved}, so a crash before then can still hand
   * the held messages over.
   */
  releaseMoved(ref: string): HeldDelivery[] {
    const m = this.#find(ref);
    const hold = m.hold;
    m.hold = undefined;
    const h = m.handle;
    this.#closeCheckpoints(m);
    m.handle = undefined;
    clearTimeout(m.restartTimer);
    this.#untrack(m);
    this.#unlock(m);
    h?.terminate().catch(() => {});
    const out: HeldDelivery[] = [];
    for (const q of hold?.queue ?? []) {
      q.settle?.(Promise.resolve());
      out.push({ delivery: q.delivery, to: q.to });
    }
    return out;
  }

  /** Deletes what this node persisted of an agent that moved away. */
  async forgetMoved(name: string): Promise<void> {
    if (this.#agents.has(name) || this.deps.router.hasLocal(name)) return; // it is back
    await this.#store.deleteAgent(name);
    await this.deps.snapshots?.remove(name);
    await this.deps.held?.clear(name);
  }

  /**
   * Target side of a move: restores the agent from `capture` in the sandbox and takes its
   * messages, holding them (in the held log) without handing them to it: it is not this
   * node's agent until the move commits. `commit()` (once it did) makes it this node's:
   * listed and persisted, still holding until {@link completeArrival}. `discard()` (the
   * move did not happen) drops the instance and sends what it held on to the agent's
   * owner.
   *
   * @throws {ApiError} `AGENT_ALREADY_EXISTS` when an agent of that name is here.
   */
  async stageArrival(capture: AgentCapture): Promise<StagedArrival> {
    this.#open();
    const r = capture.record;
    const name = r.name;
    if (this.#agents.has(name) || this.deps.router.hasLocal(name)) {
      throw new ApiError("AGENT_ALREADY_EXISTS", `Agent '${name}' is already on this node`, {
        agent: name,
      });
    }
    const m: Managed = {
      record: { ...r, state: "running", failure: undefined },
      counters: { messages_processed: 0, messages_failed: 0, total_latency_ms: 0, restarts: 0 },
      failures: { times: [], consecutive: 0 },
      busy: Promise.resolve(),
      history: capture.history,
      lastActive: this.#now(),
    };
    // Messages held here for it before a restart (the arrival was interrupted).
    const queued = capture.queued.map(({ delivery, to }): Queued => ({ delivery, to }));
    const ids = new Set(queued.map((q) => q.delivery.message_id));
    const earlier = (await this.deps.held?.list(name) ?? []).filter((q) =>
      !ids.has(q.delivery.message_id)
    );
    m.handle = await this.deps.sandbox.activate({
      agentId: aid(`${name}@${this.deps.router.platform}`),
      hash: r.hash,
      manifest: r.manifest,
      limits: r.limits,
      storage: capture.storage,
      snapshot: capture.memory,
      host: this.#host(m),
    });
    m.ckpt = this.#checkpointer(m, m.handle);
    m.counters.activated_at = this.#now();
    m.hold = {
      reason: "arrive",
      queue: [...queued, ...earlier],
      durable: this.deps.held !== undefined,
      front: queued.length,
    };
    try {
      m.unregister = this.deps.router.register(name, {
        deliver: (d, to) => this.#deliver(m, d, to),
        marksDurably: true,
      });
    } catch (e) {
      await m.handle.terminate().catch(() => {});
      throw e;
    }
    let stage: "staged" | "committed" | "discarded" = "staged";
    let prepared: Promise<void> | undefined;
    const prepare = () =>
      prepared ??= (async () => {
        await this.#store.deleteAgent(name);
        await this.#store.replaceStorage(name, capture.storage);
        await this.#store.putRecord(m.record); // last: a record means the storage is whole
      })();
    return {
      name,
      prepare,
      commit: async () => {
        if (stage !== "staged") return;
        stage = "committed";
        this.#agents.set(name, m);
        this.#byId.set(m.record.agent_id, name);
        await prepare();
      },
      discard: async () => {
        if (stage !== "staged") return;
        stage = "discarded";
        if (prepared) {
          await prepared.catch(() => {});
          await this.#store.deleteAgent(name);
        }
        m.unregister?.();
        const hold = m.hold;
        m.hold = undefined;
        this.#closeCheckpoints(m);
        await m.handle?.terminate().catch(() => {});
        // What reached this node for it meanwhile goes where it lives.
        for (const q of hold?.queue.slice(hold.front) ?? []) {
          const copy = { ...q.delivery, message: { ...q.delivery.message, receivers: [q.to] } };
          this.deps.router.route(copy).then(
            () => q.settle?.(Promise.resolve()),
            (e) => {
              q.settle?.(Promise.reject(e));
              this.deps.log.warn("message held for an arrival that did not happen is lost", {
                agent: name,
                message_id: q.delivery.message_id,
                error: String(e),
              });
            },
          );
        }
        await this.deps.held?.clear(name);
      },
    };
  }

  /**
   * Ends an arrival: delivers, in order, the messages that came with the agent, then
   * `released` (those the source held after its snapshot; duplicates dropped), then those
   * that reached this node since the commit. Released messages that come after the
   * arrival ended are delivered as they come.
   */
  completeArrival(ref: string, released: HeldDelivery[]): void {
    const m = this.#find(ref);
    const hold = m.hold;
    if (!hold || hold.reason !== "arrive") {
      for (const q of released) this.#redeliver(m, q);
      return;
    }
    const seen = new Set(hold.queue.map((q) => q.delivery.message_id));
    const fresh = released.filter((q) => !seen.has(q.delivery.message_id));
    hold.queue.splice(hold.front, 0, ...fresh);
    this.#release(m);
    if (hold.durable) {
      this.deps.held?.clear(m.record.name).catch((e) =>
        this.deps.log.warn("held log not cleared", { agent: m.record.name, error: String(e) })
      );
    }
  }

  /** Whether the agent is still waiting for its arrival to complete. */
  arriving(name: string): boolean {
    return this.#agents.get(name)?.hold?.reason === "arrive";
  }

  /**
   * Terminates every agent without changing their records (they return on restart). With
   * snapshots configured, running agents are snapshotted first (within `snapshotBudgetMs`
   * overall), so a restarted node continues them exactly where they stopped.
   */
  async close(opts: { snapshotBudgetMs?: number } = {}): Promise<void> {
    this.#closed = true;
    const until = performance.now() + (opts.snapshotBudgetMs ?? 5_000);
    for (const m of this.#agents.values()) {
      clearTimeout(m.restartTimer);
      const h = m.handle;
      if (h && this.deps.snapshots && !m.hold && m.record.state === "running") {
        const left = until - performance.now();
        if (left > 0) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const save = (m.ckpt?.flush() ?? Promise.resolve())
            .then(() => this.#capture(m, h))
            .then((c) => this.deps.snapshots!.save(c, "shutdown"));
          save.catch(() => {});
          await Promise.race([
            save,
            new Promise((r) => (timer = setTimeout(r, left))),
          ]).catch((e) =>
            this.deps.log.warn("shutdown snapshot failed", {
              agent: m.record.name,
              error: String(e),
            })
          ).finally(() => clearTimeout(timer));
        }
      }
      this.#closeCheckpoints(m);
      await m.handle?.terminate().catch(() => {});
      m.handle = undefined;
      m.unregister?.();
    }
  }

  // ---- internals ----

  #open(): void {
    if (this.#closed) throw new ApiError("UNAVAILABLE", "node is shutting down");
  }

  #track(record: AgentRecord): Managed {
    const m: Managed = {
      record,
      counters: { messages_processed: 0, messages_failed: 0, total_latency_ms: 0, restarts: 0 },
      failures: { times: [], consecutive: 0 },
      busy: Promise.resolve(),
      history: [],
      lastActive: this.#now(),
    };
    this.#agents.set(record.name, m);
    this.#byId.set(record.agent_id, record.name);
    m.unregister = this.deps.router.register(record.name, {
      deliver: (d, to) => this.#deliver(m, d, to),
      marksDurably: true,
    });
    return m;
  }

  #untrack(m: Managed): void {
    m.unregister?.();
    this.#agents.delete(m.record.name);
    this.#byId.delete(m.record.agent_id);
  }

  #find(ref: string): Managed {
    const local = this.deps.router.localName(ref) ?? ref;
    const m = this.#agents.get(local) ?? this.#agents.get(this.#byId.get(ref) ?? "");
    if (!m) throw new ApiError("AGENT_NOT_FOUND", `Agent '${ref}' not found`, { agent: ref });
    return m;
  }

  #serial<T>(m: Managed, op: () => Promise<T>): Promise<T> {
    // An operation queued behind a move finds the agent gone (moved to another node).
    const guarded = () => {
      if (this.#agents.get(m.record.name) !== m) {
        throw new ApiError(
          "AGENT_NOT_FOUND",
          `Agent '${m.record.name}' is no longer on this node`,
          {
            agent: m.record.name,
          },
        );
      }
      return op();
    };
    const run = m.busy.then(guarded, guarded);
    m.busy = run.catch(() => {});
    return run;
  }

  #view(m: Managed): AgentView {
    return toView(m.record, m.counters, {
      platform: this.deps.router.platform,
      node: this.deps.nodeId,
      mailbox: m.handle?.pending ?? 0,
      now: this.#now(),
    });
  }

  #setState(m: Managed, state: AgentState): void {
    m.record = { ...m.record, state, updated_at: new Date(this.#now()).toISOString() };
    this.deps.directory?.setState(m.record.name, state).catch((e) =>
      this.deps.log.warn("directory state update failed", {
        agent: m.record.name,
        error: String(e),
      })
    );
  }

  /** Activates the agent: from a snapshot's memory when given, else fresh (with `init`). */
  async #activate(
    m: Managed,
    from?: AgentCapture,
    opts: { snapshotStorage?: boolean } = {},
  ): Promise<void> {
    const r = m.record;
    // A hibernated agent's storage is what its snapshot holds (nothing wrote to it since).
    const storage = opts.snapshotStorage && from
      ? new Map(from.storage)
      : await this.#store.loadStorage(r.name);
    m.handle = await this.deps.sandbox.activate({
      agentId: aid(`${r.name}@${this.deps.router.platform}`),
      hash: r.hash,
      manifest: r.manifest,
      limits: r.limits,
      storage,
      host: this.#host(m),
      ...(from && from.memory.hash === r.hash ? { snapshot: from.memory } : {}),
    });
    this.#closeCheckpoints(m);
    m.ckpt = this.#checkpointer(m, m.handle);
    m.ckpt.touched(); // the first checkpoint of an instance is a full one
    if (from) m.history = from.history;
    m.counters.activated_at = this.#now();
    m.lastActive = this.#now();
    m.record = { ...m.record, failure: undefined };
    this.#setState(m, "running");
    // Messages the snapshot holds were accepted before it and not handled in its memory:
    // they go first, ahead of anything held meanwhile.
    if (from?.queued.length) {
      const hold = m.hold;
      m.hold = undefined;
      for (const q of from.queued) this.#redeliver(m, q);
      m.hold = hold;
    }
  }

  #host(m: Managed): HostCallbacks {
    const name = m.record.name;
    const log = this.deps.log.child({ agent: name });
    return {
      onSend: (message, meta) => this.#agentSent(m, message, meta.messageId),
      onLog: (level, text) => log[level === "trace" ? "debug" : level](text),
      findAgentsByService: (s) => this.deps.directory?.findAgentsByService(s) ?? [],
      listNodes: () =>
        this.deps.directory?.listNodes() ??
          [{
            id: this.deps.nodeId,
            load: 0,
            latency_ms: 0,
            available_memory: Deno.systemMemoryInfo().available,
          }],
      isLocalAgent: (n) => {
        const local = this.deps.router.localName(n);
        return local !== undefined && this.deps.router.hasLocal(local);
      },
      nodeOf: (n) => {
        const local = this.deps.router.localName(n);
        if (local !== undefined && this.deps.router.hasLocal(local)) return this.deps.nodeId;
        return this.deps.directory?.nodeOf(local ?? n);
      },
      onFailed: (f) => this.#onFailed(m, f),
      onMigrate: (node) => this.#requestMigration(m, node),
      onRestarted: (info) =>
        this.deps.events.publish({
          type: "agent.restarted",
          agent_id: name,
          details: { from_snapshot: info.fromSnapshot, cause: "worker-lost" },
        }),
    };
  }

  #deliver(m: Managed, d: Delivery, _to: AgentIdentifier): void | Promise<void> {
    if (this.#holding(m)) return this.#holdDelivery(m, d, _to);
    m.lastActive = this.#now();
    const h = m.handle;
    const name = m.record.name;
    if (!h) {
      const f = m.record.failure;
      throw new ApiError(
        "AGENT_UNAVAILABLE",
        `Agent '${name}' is ${m.record.state}` + (f ? ` (${f.reason}: ${f.message})` : ""),
        { agent: name, state: m.record.state, ...(f ? { failure: f } : {}) },
        { headers: m.record.state === "failed" ? {} : { "Retry-After": "1" } },
      );
    }
    if (m.record.state === "draining") {
      throw new ApiError("AGENT_UNAVAILABLE", `Agent '${name}' is draining`, {
        agent: name,
        state: "draining",
      });
    }
    if (h.pending >= m.record.limits.mailbox) throw mailboxFull(name, m.record.limits.mailbox);
    const t0 = performance.now();
    this.deps.metrics?.messagesIn.inc({ performative: d.message.performative, source: "local" });
    const ckpt = m.ckpt;
    const durable = d.mode === "at-least-once" && ckpt !== undefined;
    const handled = h.deliver(d.message, { messageId: d.message_id, holdSends: durable });
    // Registered in the same tick as the call: every checkpoint taken after it covers it.
    const done = durable
      ? ckpt!.durable(
        { receiver: name, messageId: d.message_id },
        handled.then((r) => r.held ?? []),
      )
      : handled.then(() => void ckpt?.touched());
    done.then(
      () => {
        const ms = performance.now() - t0;
        m.counters.messages_processed++;
        m.counters.total_latency_ms += ms;
        m.counters.last_message_at = this.#now();
        m.failures = recordSuccess(m.failures);
        this.deps.metrics?.messageLatency.observe({ agent_kind: "wasm" }, ms / 1000);
      },
      (e) => {
        m.counters.messages_failed++;
        this.deps.log.debug("delivery failed", {
          agent: name,
          message_id: d.message_id,
          error: String(e),
        });
      },
    );
    // At least once: the router acknowledges only after the agent handled the message.
    if (d.mode === "at-least-once") return done.then(() => {});
  }

  async #agentSent(m: Managed, message: AclMessage, messageId: string): Promise<void> {
    const name = m.record.name;
    this.deps.events.publish({
      type: "message.sent",
      message_id: messageId,
      from: name,
      to: message.receivers.map((r) => r.name),
      performative: message.performative,
      conversation_id: message.conversation_id,
    });
    try {
      const out = await this.deps.router.route({
        message_id: messageId,
        message,
        accepted_at: new Date(this.#now()).toISOString(),
        origin: "agent",
      });
      for (const o of out) {
        this.deps.metrics?.messagesOut.inc({
          performative: message.performative,
          destination: o.status === "delivered" ? "local" : o.via ?? "remote",
        });
      }
    } catch (e) {
      const to = message.receivers[0] ?? aid("unknown");
      this.deps.log.debug("agent message undeliverable", {
        agent: name,
        error: (e as Error).message,
      });
      if (!m.handle) return;
      // Tell the agent, as FIPA does: a protocol violation comes back as `not-understood`
      // from the receiver; anything else as a `failure` from our AMS naming the receiver.
      const reply = e instanceof ApiError && e.code === "PROTOCOL_VIOLATION"
        ? notUnderstoodReply(message, to, e)
        : deliveryFailureMessage(
          message,
          to,
          (e as Error).message,
          aid(`ams@${this.deps.router.platform}`),
        );
      if (reply) m.handle.deliver(reply, { messageId: newMessageId() }).catch(() => {});
    }
  }

  #markFailed(m: Managed, reason: string, message: string): void {
    m.record = {
      ...m.record,
      failure: { reason, message, at: new Date(this.#now()).toISOString() },
    };
    this.#setState(m, "failed");
    this.#store.putRecord(m.record).catch(() => {});
    this.deps.events.publish({
      type: "agent.failed",
      agent_id: m.record.name,
      severity: "warning",
      details: { reason, message },
    });
  }

  #onFailed(m: Managed, f: AgentFailureInfo): void {
    if (this.#closed || m.handle === undefined) return;
    this.#closeCheckpoints(m, `${f.reason}: ${f.message}`);
    m.handle = undefined;
    this.#markFailed(m, f.reason, f.message);
    const d = decideRestart(m.record.restart, m.failures, this.#now());
    m.failures = d.record;
    if (!d.restart) {
      this.deps.log.warn("agent failed; not restarting", {
        agent: m.record.name,
        reason: d.reason,
      });
      return;
    }
    this.deps.log.info("agent failed; restarting", {
      agent: m.record.name,
      failure: f.reason,
      delay_ms: d.delayMs,
    });
    m.restartTimer = setTimeout(() => {
      this.#serial(m, async () => {
        if (this.#closed || m.handle || m.record.state !== "failed") return;
        try {
          const from = await this.#lastSnapshot(m);
          await this.#activate(m, from);
          m.counters.restarts++;
          await this.#store.putRecord(m.record);
          this.deps.events.publish({
            type: "agent.restarted",
            agent_id: m.record.name,
            details: { from_snapshot: from !== undefined, cause: "failure" },
          });
        } catch (e) {
          this.#onFailed(m, {
            agentId: m.record.name,
            reason: "trap",
            message: (e as Error).message,
          });
        }
      }).catch(() => {}); // the agent left or was removed meanwhile
    }, d.delayMs);
  }

  /** Whether deliveries to `m` are held now; a hibernated agent starts waking here. */
  #holding(m: Managed): boolean {
    if (m.hold) return true;
    if (!m.handle && m.record.state === "hibernated" && this.deps.snapshots && !this.#closed) {
      this.#wake(m);
      return true;
    }
    return false;
  }

  /** Holds a delivery; durable holds resolve once it is in the held log. */
  #holdDelivery(m: Managed, d: Delivery, to: AgentIdentifier): void | Promise<void> {
    const hold = m.hold!;
    const name = m.record.name;
    if (hold.queue.length >= m.record.limits.mailbox) {
      throw mailboxFull(name, m.record.limits.mailbox);
    }
    const q: Queued = { delivery: d, to };
    hold.queue.push(q);
    if (hold.durable && this.deps.held) {
      return this.deps.held.append(name, q).catch((e) => {
        const i = hold.queue.indexOf(q);
        if (i >= 0) hold.queue.splice(i, 1);
        throw new ApiError("UNAVAILABLE", `Could not hold a message for '${name}': ${e}`, {
          agent: name,
        });
      });
    }
    if ((d as { mode?: string }).mode === "at-least-once") {
      return new Promise<void>((resolve, reject) => {
        q.settle = (p) => p.then(resolve, reject);
      });
    }
  }

  /** Wakes a hibernated agent from its last snapshot, then hands it what it held. */
  #wake(m: Managed): void {
    const t0 = performance.now();
    const hold: Hold = { reason: "wake", queue: [], durable: false, front: 0 };
    m.hold = hold;
    this.#serial(m, async () => {
      if (m.hold !== hold) return; // a move took the agent (and the held messages) over
      try {
        if (!m.handle) {
          const last = await this.#lastSnapshot(m);
          await this.#activate(m, last, { snapshotStorage: true });
          const record = m.record;
          this.#store.putRecord(record).catch((e) =>
            this.deps.log.warn("record not written after waking", {
              agent: record.name,
              error: String(e),
            })
          );
          this.deps.metrics?.wakes.inc();
          this.deps.events.publish({
            type: "agent.woken",
            agent_id: m.record.name,
            details: { ms: Math.round((performance.now() - t0) * 1000) / 1000 },
          });
        }
      } catch (e) {
        this.#markFailed(m, "trap", `could not wake from hibernation: ${(e as Error).message}`);
      } finally {
        if (m.hold === hold) this.#release(m);
      }
    }).catch(() => {});
  }

  /**
   * After a restart: messages an arrival held (written to the held log, not yet handed to
   * the agent when the node stopped) go to the agent now, except those its snapshot held.
   */
  async #replayHeld(m: Managed, last: AgentCapture | undefined): Promise<void> {
    const held = await this.deps.held?.list(m.record.name) ?? [];
    if (held.length === 0) return;
    const had = new Set(last?.queued.map((q) => q.delivery.message_id) ?? []);
    for (const q of held) if (!had.has(q.delivery.message_id)) this.#redeliver(m, q);
    await this.deps.held?.clear(m.record.name);
  }

  /** Ends a hold: its deliveries go to the agent, in order. */
  #release(m: Managed): void {
    const hold = m.hold;
    if (!hold) return;
    m.hold = undefined;
    for (const q of hold.queue) this.#redeliver(m, q);
  }

  #redeliver(m: Managed, q: Queued): void {
    try {
      const r = this.#deliver(m, q.delivery, q.to);
      q.settle?.(Promise.resolve(r));
    } catch (e) {
      q.settle?.(Promise.reject(e));
      this.deps.log.warn("held message undeliverable", {
        agent: m.record.name,
        message_id: q.delivery.message_id,
        error: (e as Error).message,
      });
    }
  }

  #unlock(m: Managed): void {
    const u = m.unlock;
    m.unlock = undefined;
    u?.();
  }

  /** Locks the agent's lifecycle until {@link #unlock} (a move left in doubt by a restart). */
  #lock(m: Managed): void {
    const gate = Promise.withResolvers<void>();
    m.unlock = gate.resolve;
    this.#serial(m, () => gate.promise).catch(() => {});
  }

  /** The agent's state at its next message boundary. */
  async #capture(m: Managed, h: AgentHandle): Promise<AgentCapture> {
    const memory: MemorySnapshot = await h.snapshot();
    return {
      record: m.record,
      memory,
      storage: h.storageEntries().sort(byKey),
      queued: [],
      conversations: null,
      history: m.history,
    };
  }

  /** The agent's last snapshot, if it has a readable one for its current component. */
  async #lastSnapshot(m: Managed): Promise<AgentCapture | undefined> {
    try {
      const c = await this.#store.checkpoints.load(m.record.name);
      if (c && c.memory.hash === m.record.hash) {
        const storage = [...(await this.#store.loadStorage(m.record.name))].sort(byKey);
        return {
          record: m.record,
          memory: c.memory,
          storage,
          queued: [],
          conversations: null,
          history: m.history,
        };
      }
    } catch (e) {
      this.deps.log.warn("agent checkpoint unreadable; trying its snapshot", {
        agent: m.record.name,
        error: (e as Error).message,
      });
    }
    if (!this.deps.snapshots) return undefined;
    try {
      const c = await this.deps.snapshots.load(m.record.name);
      return c && c.memory.hash === m.record.hash ? c : undefined;
    } catch (e) {
      this.deps.log.warn("agent snapshot unreadable; starting fresh", {
        agent: m.record.name,
        error: (e as Error).message,
      });
      return undefined;
    }
  }

  /** The checkpointer of `h`: commits its deltas with the marks, then opens the output gate. */
  #checkpointer(m: Managed, h: AgentHandle): Checkpointer {
    const name = m.record.name;
    const metrics = this.deps.metrics;
    return new Checkpointer({
      intervalMs: this.deps.checkpointIntervalMs,
      timers: {
        setTimeout: (fn, ms) => {
          const t = setTimeout(fn, ms);
          Deno.unrefTimer(t);
          return t;
        },
        clearTimeout: (t) => clearTimeout(t as number),
      },
      take: () => h.checkpoint(),
      commit: async (delta, marks) => {
        const t0 = performance.now();
        await this.#store.checkpoints.commit(name, delta, marks);
        if (metrics) {
          metrics.checkpoints.inc();
          metrics.checkpointMessages.inc(marks.length);
          metrics.checkpointBytes.inc(deltaBytes(delta));
          metrics.checkpointSeconds.observe((performance.now() - t0) / 1000);
        }
      },
      release: (held) => {
        for (const s of held) {
          this.#agentSent(m, s.message, s.messageId).catch(() => {});
        }
      },
      failed: (e) => {
        h.checkpointLost();
        if (m.handle !== h) return;
        this.deps.log.error("checkpoint failed; the agent restarts from its last one", {
          agent: name,
          error: e.message,
        });
        this.#onFailed(m, { agentId: name, reason: "trap", message: `checkpoint failed: ${e}` });
        h.terminate().catch(() => {});
      },
    });
  }

  /** Ends the current instance's checkpoints; handlings waiting for one fail. */
  #closeCheckpoints(m: Managed, why = "the agent's instance ended"): void {
    const c = m.ckpt;
    m.ckpt = undefined;
    c?.close(
      new ApiError("AGENT_UNAVAILABLE", `Agent '${m.record.name}': ${why} before its checkpoint`, {
        agent: m.record.name,
      }),
    );
  }

  #requestMigration(m: Managed, node: string): void {
    const name = m.record.name;
    const handler = this.#migrate;
    if (!handler) {
      this.deps.log.warn("agent asked to migrate; this node cannot move agents", { agent: name });
      return;
    }
    queueMicrotask(() =>
      handler(name, node).catch((e) =>
        this.deps.log.warn("migration the agent asked for failed", {
          agent: name,
          node,
          error: (e as Error).message,
        })
      )
    );
  }

  async #drain(h: AgentHandle, graceMs: number): Promise<void> {
    const until = this.#now() + graceMs;
    while (h.pending > 0 && this.#now() < until) await sleep(5);
  }
}

/** Bytes a checkpoint delta writes (pages and storage values). */
function deltaBytes(d: CheckpointDelta): number {
  let n = 0;
  for (const i of d.instances) {
    for (const m of i.memories) for (const p of m.pages) n += p.bytes?.length ?? 0;
  }
  for (const [, v] of d.storage.set) n += v.length;
  return n;
}

function byKey([a]: [string, Uint8Array], [b]: [string, Uint8Array]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The `not-understood` an agent gets back for a message that broke its conversation's protocol. */
function notUnderstoodReply(
  msg: AclMessage,
  from: AgentIdentifier,
  e: ApiError,
): AclMessage | undefined {
  if (!msg.sender) return undefined;
  return {
    performative: "not-understood",
    sender: from,
    receivers: [msg.sender],
    content: JSON.stringify({ error: "PROTOCOL_VIOLATION", message: e.message, ...e.details }),
    language: "json",
    ...(msg.protocol ? { protocol: msg.protocol } : {}),
    ...(msg.conversation_id ? { conversation_id: msg.conversation_id } : {}),
    ...(msg.reply_with ? { in_reply_to: msg.reply_with } : {}),
  };
}
