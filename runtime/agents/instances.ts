/**
 * The sandbox adapter: starts an agent's instance (fresh, or from a snapshot), gives it the
 * host callbacks, makes its changes durable with a {@link Checkpointer}, captures it at a
 * message boundary and finds its last checkpoint or snapshot.
 * @module
 */
import { type AclMessage, aid } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type {
  AgentFailureInfo,
  CheckpointDelta,
  HostCallbacks,
  MemorySnapshot,
} from "../sandbox/mod.ts";
import type { AgentStore } from "./agent-store.ts";
import { checkpointGrainMs, CoalescedTimers } from "./checkpoint-timers.ts";
import { Checkpointer, DEFAULT_CHECKPOINT_INTERVAL_MS } from "./checkpointer.ts";
import type { AgentCapture } from "./contract.ts";
import type { AgentInstance, AgentManagerDeps } from "./deps.ts";
import { byKey, isErrorReply, type Managed, type Queued } from "./managed.ts";
import type { AgentRegistry } from "./registry.ts";

/** What an instance's callbacks lead to in the other parts of the manager. */
export interface InstanceEvents {
  /** The agent sent a message (outgoing). */
  sent(m: Managed, message: AclMessage, messageId: string): Promise<void>;
  /** The instance failed (the restart supervisor). */
  failed(m: Managed, f: AgentFailureInfo): void;
  /** The agent asked to move to `node` (mobility). */
  migrate(m: Managed, node: string): void;
  /** A message a snapshot held goes to the agent (the mailbox). */
  redeliver(m: Managed, q: Queued): void;
  /** Instance `h` of `m` lost its Worker through a neighbour's fault (mobility). */
  lost(m: Managed, h: AgentInstance, reason: string): void;
  /** The agent logged a line (its own log). */
  logged?(m: Managed, level: string, text: string): void;
}

/** Starts, checkpoints, captures and ends agents' instances. */
export class Instances {
  constructor(
    readonly deps: AgentManagerDeps,
    readonly store: AgentStore,
    readonly registry: AgentRegistry,
    readonly now: () => number,
    readonly on: InstanceEvents,
  ) {
    this.#checkpointTimers = new CoalescedTimers(
      checkpointGrainMs(deps.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS),
      {
        now: () => performance.now(),
        setTimeout: (fn, ms) => {
          const t = setTimeout(fn, ms);
          Deno.unrefTimer(t);
          return t;
        },
        clearTimeout: (t) => clearTimeout(t as number),
      },
    );
  }

  /** Every checkpointer's timers, coalesced (see {@link CoalescedTimers}). */
  readonly #checkpointTimers: CoalescedTimers;

  /**
   * Activates the agent: from a snapshot's memory when given, else fresh (with `init`).
   * `announce: false`: the directory is not told that it runs (it was told already).
   * Resolves `true` when it wrote the agent's record (state `running`): the first activation
   * of an agent deployed asleep writes it without `never_started`, and the instance's
   * checkpoints commit only once that write is durable, so no stored record says "never
   * started" of an agent that has anything stored (a crash in between leaves the flag with
   * nothing of the agent stored, or neither).
   */
  async activate(
    m: Managed,
    from?: AgentCapture,
    opts: { snapshotStorage?: boolean; announce?: boolean } = {},
  ): Promise<boolean> {
    const r = m.record;
    const neverStarted = r.never_started === true;
    // A hibernated agent's storage is what its snapshot holds (nothing wrote to it since);
    // one never started has none.
    const storage = opts.snapshotStorage && from
      ? new Map(from.storage)
      : neverStarted
      ? new Map<string, Uint8Array>()
      : await this.store.loadStorage(r.name);
    let self: AgentInstance | undefined;
    m.handle = self = await this.deps.sandbox.activate({
      agentId: aid(`${r.name}@${this.deps.router.platform}`),
      hash: r.hash,
      manifest: r.manifest,
      limits: r.limits,
      storage,
      host: this.host(m, () => self),
      ...(from && from.memory.hash === r.hash ? { snapshot: from.memory } : {}),
    });
    this.closeCheckpoints(m);
    if (from) m.history = from.history;
    m.counters.activated_at = this.now();
    m.lastActive = this.now();
    // The last failure's reason stays on the record (shown until the next failure).
    this.registry.setState(m, "running", opts.announce ?? true);
    let recorded: Promise<void> | undefined;
    if (neverStarted) {
      const { never_started: _, ...started } = m.record;
      m.record = started;
      recorded = this.store.putRecord(started);
      recorded.catch((e) => {
        // This instance commits nothing (its checkpoints wait for this write), so the agent
        // still has nothing stored: the next activation may skip the reads, and writes again.
        m.record = { ...m.record, never_started: true };
        this.deps.log.warn("record not written after the first activation", {
          agent: started.name,
          error: String(e),
        });
      });
    }
    m.ckpt = this.checkpointer(m, m.handle, recorded);
    m.ckpt.touched(); // the first checkpoint of an instance is a full one
    // Messages the snapshot holds were accepted before it and not handled in its memory:
    // they go first, ahead of anything held meanwhile.
    if (from?.queued.length) {
      const hold = m.hold;
      m.hold = undefined;
      for (const q of from.queued) this.on.redeliver(m, q);
      m.hold = hold;
    }
    return neverStarted;
  }

  /** Ends the agent's instance, if it has one, and its checkpoints. */
  async drop(m: Managed): Promise<void> {
    const h = m.handle;
    this.closeCheckpoints(m);
    this.store.checkpoints.invalidate(m.record.name); // the next instance reads it again
    m.handle = undefined;
    await h?.terminate().catch(() => {});
  }

  /**
   * The callbacks an instance of `m` calls. With `instance` (the instance they belong to,
   * once it exists), a Worker lost by a neighbour is the manager's to handle: the agent
   * starts again from its last checkpoint (see `Mobility.workerLost`). Without it the
   * sandbox moves the instance itself, from the memory it was activated with.
   */
  host(m: Managed, instance?: () => AgentInstance | undefined): HostCallbacks {
    const name = m.record.name;
    const log = this.deps.log.child({ agent: name });
    const { router, directory, nodeId } = this.deps;
    return {
      onSend: (message, meta) => {
        // While a second version runs beside it, its failure replies count against it.
        if (m.next && isErrorReply(message)) m.next.stats.stable.errorReplies++;
        return this.on.sent(m, message, meta.messageId);
      },
      onLog: (level, text) => {
        log[level === "trace" ? "debug" : level](text);
        this.on.logged?.(m, level, text);
      },
      onRefused: (r) => {
        log.warn("agent call refused: not granted", {
          kind: r.kind,
          target: r.target,
          reason: r.message,
        });
        this.deps.metrics?.grantRefusals.inc({ kind: r.kind });
      },
      findAgentsByService: (s) => directory?.findAgentsByService(s) ?? [],
      listNodes: () =>
        directory?.listNodes() ??
          [{
            id: nodeId,
            load: 0,
            latency_ms: 0,
            available_memory: Deno.systemMemoryInfo().available,
          }],
      isLocalAgent: (n) => {
        const local = router.localName(n);
        return local !== undefined && router.hasLocal(local);
      },
      nodeOf: (n) => {
        const local = router.localName(n);
        if (local !== undefined && router.hasLocal(local)) return nodeId;
        return directory?.nodeOf(local ?? n);
      },
      onFailed: (f) => this.on.failed(m, f),
      onMigrate: (node) => this.on.migrate(m, node),
      onRestarted: (info) =>
        this.deps.events.publish({
          type: "agent.restarted",
          agent_id: name,
          details: { from_snapshot: info.fromSnapshot, cause: "worker-lost" },
        }),
      ...(instance
        ? {
          onWorkerLost: (info: { reason: string }) => {
            const h = instance();
            if (h) this.on.lost(m, h, info.reason);
          },
        }
        : {}),
    };
  }

  /**
   * The checkpointer of `h`: commits its deltas with the marks, then opens the output gate.
   * `after`: a write every commit waits for (and fails with).
   */
  checkpointer(m: Managed, h: AgentInstance, after?: Promise<void>): Checkpointer {
    const name = m.record.name;
    const metrics = this.deps.metrics;
    return new Checkpointer({
      intervalMs: this.deps.checkpointIntervalMs,
      timers: this.#checkpointTimers,
      take: () => h.checkpoint(),
      commit: async (delta, marks) => {
        await after;
        const t0 = performance.now();
        await this.store.checkpoints.commit(name, delta, marks);
        if (metrics) {
          metrics.checkpoints.inc();
          metrics.checkpointMessages.inc(marks.length);
          metrics.checkpointBytes.inc(deltaBytes(delta));
          metrics.checkpointSeconds.observe((performance.now() - t0) / 1000);
        }
      },
      release: (held) => {
        for (const s of held) this.on.sent(m, s.message, s.messageId).catch(() => {});
      },
      failed: (e) => {
        h.checkpointLost();
        if (m.handle !== h) return;
        this.deps.log.error("checkpoint failed; the agent restarts from its last one", {
          agent: name,
          error: e.message,
        });
        this.on.failed(m, { agentId: name, reason: "trap", message: `checkpoint failed: ${e}` });
        h.terminate().catch(() => {});
      },
    });
  }

  /**
   * Ends the current instance's checkpoints; handlings waiting for one fail (with `error`
   * when given).
   */
  closeCheckpoints(m: Managed, why = "the agent's instance ended", error?: Error): void {
    const c = m.ckpt;
    m.ckpt = undefined;
    // A commit under way may still land (with the marks of handlings it covers): the next
    // instance starts from the store only once it has (see lastSnapshot).
    if (c) m.committing = c.idle();
    c?.close(
      error ??
        new ApiError(
          "AGENT_UNAVAILABLE",
          `Agent '${m.record.name}': ${why} before its checkpoint`,
          { agent: m.record.name },
        ),
    );
  }

  /** The agent's state at its next message boundary. */
  async capture(m: Managed, h: AgentInstance): Promise<AgentCapture> {
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

  /**
   * The agent's last snapshot, if it has a readable one for its current component (none,
   * without reading, for an agent never started: see `AgentRecord.never_started`).
   */
  async lastSnapshot(m: Managed): Promise<AgentCapture | undefined> {
    await m.committing;
    if (m.record.never_started) return undefined; // nothing stored to read
    try {
      const { checkpoint: c, storage: stored } = await this.store.checkpoints.read(m.record.name);
      if (c && c.memory.hash === m.record.hash) {
        const storage = [...stored].sort(byKey);
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
