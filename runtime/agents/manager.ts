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
  ComponentStore,
  HostCallbacks,
  MemorySnapshot,
  NodeInfo,
  Sandbox,
} from "../sandbox/mod.ts";
import type {
  AgentCapture,
  AgentSnapshots,
  HeldDelivery,
  HeldLog,
  MigrationHop,
} from "../migration/capture.ts";
import { AgentStore } from "./agent-store.ts";
import type { DeployConfig, UpdateConfig } from "./deploy-config.ts";
import { type AgentCounters, type AgentRecord, type AgentState, newAgentId } from "./record.ts";
import { decideRestart, type FailureRecord, recordSuccess } from "./restart.ts";
import { type AgentView, toView } from "./view.ts";

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
}

/** Idle time before an agent hibernates when its config names none: 300 s (0 = never). */
export const DEFAULT_HIBERNATE_AFTER_SECONDS = 300;

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

/** What the hibernation scheduler needs to know about one agent. */
export interface AgentActivity {
  name: string;
  state: AgentState;
  /** When it last got or handled a message or was activated, ms since the epoch. */
  last_active_ms: number;
  /** Its idle limit (the default applied); 0 = never hibernate. */
  hibernate_after_seconds: number;
  /** Messages in its mailbox or held. */
  pending: number;
}

/** An agent paused for a move at a message boundary, and what it is. */
export interface PausedAgent {
  capture: AgentCapture;
}

/** An agent restored on the target of a move, waiting for the move's commit. */
export interface StagedArrival {
  name: string;
  /** Makes it this node's agent (after the commit): takes messages, holding them. */
  commit(): Promise<void>;
  /** Drops the restored instance (the move did not happen). */
  discard(): Promise<void>;
}

interface Managed {
  record: AgentRecord;
  handle?: AgentHandle;
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
}

/**
 * Agent lifecycle on one node: deploy, update, stop, resume, remove, and supervision with
 * the agent's restart strategy. Agents are addressed by name (unique) or by `agent_id`.
 * Records and agent storage live in Deno KV, so a restarted node brings back every agent
 * that was running. Messages are delivered at most once: they wait in the agent's mailbox
 * in memory.
 */
export class AgentManager {
  readonly #agents = new Map<string, Managed>();
  readonly #byId = new Map<string, string>();
  readonly #store: AgentStore;
  readonly #now: () => number;
  #closed = false;

  constructor(readonly deps: AgentManagerDeps) {
    this.#store = new AgentStore(deps.kv);
    this.#now = deps.now ?? Date.now;
  }

  /** Brings back the agents persisted on this node (those that were running start again). */
  async restore(): Promise<void> {
    for (const record of await this.#store.records()) {
      const m = this.#track(record);
      if (record.state === "running" || record.state === "loaded") {
        try {
          await this.#activate(m);
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
  async deploy(bytes: Uint8Array, config: DeployConfig): Promise<AgentView> {
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
  update(ref: string, change: { bytes?: Uint8Array; config?: UpdateConfig }): Promise<AgentView> {
    const m = this.#find(ref);
    return this.#serial(m, async () => {
      const hash = change.bytes ? (await this.deps.store.load(change.bytes)).hash : m.record.hash;
      const c = change.config ?? {};
      const next: AgentRecord = {
        ...m.record,
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
        m.handle = undefined;
        await this.#drain(old!, 5_000);
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
      await this.#activate(m);
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
      await m.handle?.terminate().catch(() => {});
      m.handle = undefined;
      this.#untrack(m);
      await this.#store.deleteAgent(m.record.name);
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

  /** Terminates every agent without changing what is persisted (they return on restart). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const m of this.#agents.values()) {
      clearTimeout(m.restartTimer);
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
    };
    this.#agents.set(record.name, m);
    this.#byId.set(record.agent_id, record.name);
    m.unregister = this.deps.router.register(record.name, {
      deliver: (d, to) => this.#deliver(m, d, to),
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
    const run = m.busy.then(op, op);
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

  async #activate(m: Managed): Promise<void> {
    const r = m.record;
    const storage = await this.#store.loadStorage(r.name);
    m.handle = await this.deps.sandbox.activate({
      agentId: aid(`${r.name}@${this.deps.router.platform}`),
      hash: r.hash,
      manifest: r.manifest,
      limits: r.limits,
      storage,
      host: this.#host(m),
    });
    m.counters.activated_at = this.#now();
    m.record = { ...m.record, failure: undefined };
    this.#setState(m, "running");
  }

  #host(m: Managed): HostCallbacks {
    const name = m.record.name;
    const log = this.deps.log.child({ agent: name });
    return {
      onSend: (message, meta) => this.#agentSent(m, message, meta.messageId),
      storage: {
        set: (key, value) => this.#store.setValue(name, key, value),
        delete: (key) => this.#store.deleteValue(name, key),
      },
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
      onRestarted: (info) =>
        this.deps.events.publish({
          type: "agent.restarted",
          agent_id: name,
          details: { from_snapshot: info.fromSnapshot, cause: "worker-lost" },
        }),
    };
  }

  #deliver(m: Managed, d: Delivery, _to: AgentIdentifier): void | Promise<void> {
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
    if (h.pending >= m.record.limits.mailbox) {
      throw new ApiError(
        "RATE_LIMITED",
        `Mailbox of '${name}' is full (${m.record.limits.mailbox} messages)`,
        { agent: name, mailbox: m.record.limits.mailbox },
        { headers: { "Retry-After": "1" } },
      );
    }
    const t0 = performance.now();
    this.deps.metrics?.messagesIn.inc({ performative: d.message.performative, source: "local" });
    const done = h.deliver(d.message, { messageId: d.message_id });
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
          await this.#activate(m);
          m.counters.restarts++;
          await this.#store.putRecord(m.record);
          this.deps.events.publish({ type: "agent.restarted", agent_id: m.record.name });
        } catch (e) {
          this.#onFailed(m, {
            agentId: m.record.name,
            reason: "trap",
            message: (e as Error).message,
          });
        }
      });
    }, d.delayMs);
  }

  async #drain(h: AgentHandle, graceMs: number): Promise<void> {
    const until = this.#now() + graceMs;
    while (h.pending > 0 && this.#now() < until) await sleep(5);
  }
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
