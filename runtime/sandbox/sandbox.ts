import { z } from "zod";
import { type AgentIdentifier, AgentIdentifierSchema, aid } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import { AgentHandle, type HandleContext } from "./agent-handle.ts";
import { type AgentBounds, checkAgentBounds, DEFAULT_AGENT_BOUNDS } from "./bounds.ts";
import type { ComponentStore } from "./component-store.ts";
import { wallBackstopMs } from "./cpu-clock.ts";
import type { HostCallbacks, TimerService } from "./host.ts";
import { type LimitsInput, LimitsSchema, type ManifestInput, ManifestSchema } from "./manifest.ts";
import {
  agentRoot,
  grantedDirs,
  permissionKey,
  type WorkerPermissions,
  workerPermissionsOf,
} from "./grants.ts";
import type { RpcOp } from "./protocol.ts";
import { SandboxWorker } from "./sandbox-worker.ts";
import type { MemorySnapshot } from "./snapshot.ts";
import type { WitAgentId } from "./wit-message.ts";
import type { SharedStorage } from "./storage-sharing.ts";
import {
  AGENTS_PER_WORKER,
  checkWorkerSharing,
  MAX_AGENTS_PER_WORKER,
  MAX_SPREAD_WORKERS,
  SPREAD_WORKERS,
} from "./worker-sharing.ts";

export { AGENTS_PER_WORKER, MAX_AGENTS_PER_WORKER, MAX_SPREAD_WORKERS, SPREAD_WORKERS };

type ManifestFiles = ReturnType<typeof ManifestSchema.parse>["files"];

/** What a Worker passes for `timerSet`. */
const TimerArgSchema = z.strictObject({
  tag: z.string().max(4096),
  dueAtMs: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

/** Options of a {@link Sandbox}. */
export interface SandboxOptions {
  store: ComponentStore;
  /** Id of this node (`get-current-node`). */
  nodeId: string;
  /**
   * Agents sharing one Worker at most (default {@link AGENTS_PER_WORKER}; 1 to
   * {@link MAX_AGENTS_PER_WORKER}; the node's `agentsPerWorker`).
   */
  maxAgentsPerWorker?: number;
  /** Idle Workers kept ready per permission set, so activation needs no Worker start (default 1). */
  spareWorkers?: number;
  /**
   * Workers to spread agents over before filling any of them (default {@link SPREAD_WORKERS}:
   * co-located agents talk faster, and the main thread, not the Workers, bounds throughput so
   * far; 1 to {@link MAX_SPREAD_WORKERS}; the node's `spreadWorkers`).
   */
  spreadWorkers?: number;
  /**
   * Extra time past a call's wall-time backstop (`wallBackstopMs` of its CPU limit) before the
   * watchdog stops its Worker (default 1000 ms).
   */
  watchdogGraceMs?: number;
  /** How often the watchdog looks, while calls are running (default 100 ms). */
  watchdogIntervalMs?: number;
  /** The most an agent may ask for (default {@link DEFAULT_AGENT_BOUNDS}). */
  bounds?: AgentBounds;
  /**
   * Agents whose `cpu_ms_per_call` is above this many ms get a Worker of their own, so that
   * a long call never stalls other agents (default {@link SHARED_WORKER_CPU_MS}).
   */
  sharedWorkerCpuMs?: number;
  /**
   * The node's timer service behind the `timers` imports of world 0.2.0. Without it
   * `set-timer` fails with an error value ("timers are not available on this node").
   */
  timers?: TimerService;
  /**
   * Where agents' own roots for `files` grants live (`<dir>/<agent name>/`); the node uses
   * `<data-dir>/agent-files`. Without it, relative `files` grants are refused.
   */
  agentFilesDir?: string;
  /**
   * Test only (`FIPA_EDGE_FAULT=sandbox:no-grant-check`): the host functions skip their own
   * check of `net` and `files` grants, so that only Deno's permissions of the Worker refuse.
   */
  skipGrantCheck?: boolean;
}

/**
 * Test only: the value of `FIPA_EDGE_FAULT` that starts a node whose agents' host functions
 * skip their own check of grants ({@link SandboxOptions.skipGrantCheck}), to show that the
 * Worker's Deno permissions refuse on their own.
 */
export const GRANT_CHECK_FAULT = "sandbox:no-grant-check";

/** Default of {@link SandboxOptions.sharedWorkerCpuMs}: the default `cpu_ms_per_call`. */
export const SHARED_WORKER_CPU_MS = 1000;

/** Suffix of the Worker key of agents that get a Worker of their own. */
const SOLO = "|solo";

/** What {@link Sandbox.activate} needs. */
export interface ActivateOptions {
  /** The agent's name (or identifier). */
  agentId: string | AgentIdentifier;
  /** Hash of a component loaded into the store. */
  hash: string;
  manifest?: ManifestInput;
  limits?: LimitsInput;
  /** The agent's storage as the node persisted it. */
  storage?: Iterable<[string, Uint8Array]> | Record<string, Uint8Array>;
  /** Restore this state instead of starting fresh (hibernation, migration). */
  snapshot?: MemorySnapshot;
  /** Call `init` after activation (default: true without a snapshot, false with one). */
  init?: boolean;
  host: HostCallbacks;
  /**
   * The storage of another instance of the agent to share (see `AgentHandle.share`): the
   * instance starts with it, instead of `storage`, and takes turns with the others.
   */
  shared?: SharedStorage;
}

/** A snapshot of the sandbox's occupancy. */
export interface SandboxStats {
  workers: number;
  agents: number;
  agentsPerWorker: number[];
}

/**
 * Runs agents in Deno Workers. Agents with the same Deno permissions share Workers (up to
 * `maxAgentsPerWorker`), so a thousand small agents need a few Workers rather than a
 * thousand; an agent whose `cpu_ms_per_call` is above `sharedWorkerCpuMs` gets a Worker of
 * its own, so its long calls never hold up other agents. Manifests and limits beyond the
 * node's `bounds` are refused. Isolation inside a Worker comes from WebAssembly (each agent has its own
 * instances and memories; host functions are bound to one agent) and from the
 * instrumentation of every core module: a call that uses more CPU time than its limit (the
 * Worker thread's own CPU time, see `cpu-clock.ts`), runs past its wall-time backstop or grows
 * memory past its cap traps, failing that agent only. A watchdog stops a Worker whose call
 * overran the backstop even so (plus a grace period); its other agents are re-activated elsewhere
 * and their unanswered calls re-sent.
 *
 * @example
 * ```ts
 * const sandbox = new Sandbox({ store, nodeId: "node-a" });
 * const echo = await sandbox.activate({ agentId: "echo@node-a", hash, host: { onSend } });
 * await echo.deliver(parseAclJson({ performative: "request", sender: "me", receiver: "echo@node-a", content: "hi" }));
 * ```
 */
export class Sandbox {
  readonly store: ComponentStore;
  readonly nodeId: string;
  readonly maxAgentsPerWorker: number;
  readonly spareWorkers: number;
  readonly spreadWorkers: number;
  readonly watchdogGraceMs: number;
  readonly watchdogIntervalMs: number;
  readonly bounds: AgentBounds;
  readonly sharedWorkerCpuMs: number;
  readonly timers?: TimerService;
  readonly agentFilesDir?: string;
  readonly skipGrantCheck: boolean;
  #workers = new Set<SandboxWorker>();
  #handles = new Map<number, AgentHandle>();
  #nextSlot = 1;
  #watchdog?: ReturnType<typeof setInterval>;
  #closed = false;
  #spawning = new Map<string, Promise<SandboxWorker>>();

  /** @throws {RangeError} for a `maxAgentsPerWorker` or `spreadWorkers` out of bounds. */
  constructor(opts: SandboxOptions) {
    this.store = opts.store;
    this.nodeId = opts.nodeId;
    this.maxAgentsPerWorker = opts.maxAgentsPerWorker ?? AGENTS_PER_WORKER;
    this.spareWorkers = opts.spareWorkers ?? 1;
    this.spreadWorkers = opts.spreadWorkers ?? SPREAD_WORKERS;
    checkWorkerSharing(this);
    this.watchdogGraceMs = opts.watchdogGraceMs ?? 1000;
    this.watchdogIntervalMs = opts.watchdogIntervalMs ?? 100;
    this.bounds = opts.bounds ?? DEFAULT_AGENT_BOUNDS;
    this.sharedWorkerCpuMs = opts.sharedWorkerCpuMs ?? SHARED_WORKER_CPU_MS;
    this.timers = opts.timers;
    this.agentFilesDir = opts.agentFilesDir;
    this.skipGrantCheck = opts.skipGrantCheck ?? false;
  }

  /** Starts the spare Workers for the default (no) permissions ahead of the first activation. */
  async warmUp(): Promise<void> {
    const p = workerPermissionsOf([], []);
    const key = permissionKey(p);
    const have = [...this.#workers].filter((w) => w.key === key && w.slots.size === 0).length;
    const starts = [];
    for (let i = have; i < this.spareWorkers; i++) starts.push(this.#spawn(key, p));
    await Promise.all(starts);
  }

  /**
   * Activates an agent: instantiates its component in a Worker (restoring a snapshot if
   * given) and, for a fresh agent, calls `init`.
   *
   * @throws {ApiError} `INVALID_REQUEST` for a bad manifest or limits, or ones beyond the
   * node's {@link bounds} (naming the field), or a memory limit below what the component
   * starts with, `NOT_FOUND` for an unknown component, `DEPLOYMENT_FAILED` when instantiation or `init`
   * failed (details carry the failure reason).
   */
  async activate(opts: ActivateOptions): Promise<AgentHandle> {
    if (this.#closed) throw new ApiError("UNAVAILABLE", "sandbox is closed");
    const manifest = parseOr("manifest", ManifestSchema, opts.manifest ?? {});
    const limits = parseOr("limits", LimitsSchema, opts.limits ?? {});
    checkAgentBounds({ manifest, limits }, this.bounds);
    const id = typeof opts.agentId === "string"
      ? aid(opts.agentId)
      : parseOr("agentId", AgentIdentifierSchema, opts.agentId);
    await this.#prepareFiles(id.name, manifest.files);
    if (opts.snapshot && opts.snapshot.hash !== opts.hash) {
      throw new ApiError("INVALID_REQUEST", "snapshot belongs to another component", {
        snapshot: opts.snapshot.hash,
        hash: opts.hash,
      });
    }
    await this.store.get(opts.hash);
    const storage = new Map<string, Uint8Array>(
      opts.storage === undefined
        ? []
        : Symbol.iterator in opts.storage
        ? opts.storage as Iterable<[string, Uint8Array]>
        : Object.entries(opts.storage),
    );
    const handle = new AgentHandle(id, opts.hash, manifest, limits, opts.host, storage, this.#cx);
    if (opts.shared) handle.joinStorage(opts.shared);
    try {
      const placed = await this.#place(handle, opts.snapshot);
      handle.attach(placed.worker, placed.slot, opts.snapshot);
      if (opts.init ?? !opts.snapshot) await handle.init();
    } catch (err) {
      await handle.terminate().catch(() => {});
      if (err instanceof ApiError && err.code !== "MESSAGE_DELIVERY_FAILED") throw err;
      const d = err instanceof ApiError ? err.details : {};
      throw new ApiError(
        "DEPLOYMENT_FAILED",
        `Agent ${id.name} could not start: ${err instanceof Error ? err.message : err}`,
        { agent: id.name, ...d },
      );
    }
    return handle;
  }

  /**
   * Calls the `on-timer` export of the active agent `agent` for a due timer, as a normal
   * agent call (same CPU limit; effects applied when it returns).
   *
   * @throws {ApiError} `NOT_FOUND` when no such agent is active in this sandbox,
   * `CONFLICT` when its component is of world 0.1.0 (no timers), `MESSAGE_DELIVERY_FAILED`
   * when the agent failed in the call, `AGENT_UNAVAILABLE` when it had failed before.
   */
  async fireTimer(agent: string, id: string, tag: string): Promise<void> {
    const h = [...this.#handles.values()].find((x) =>
      x.agentId.name === agent && x.state === "active"
    );
    if (!h) {
      throw new ApiError("NOT_FOUND", `Agent ${agent} is not active in this sandbox`, { agent });
    }
    const world = (await this.store.get(h.hash)).info.world;
    if (world !== "0.2.0") {
      throw new ApiError(
        "CONFLICT",
        `Agent ${agent} is built against fipa:agent@${world}, which has no timers`,
        { agent, world },
      );
    }
    await h.timer(id, tag);
  }

  /** The agent's root for `files` grants, if this sandbox has a directory for them. */
  filesRoot(agent: string): string | undefined {
    return this.agentFilesDir === undefined ? undefined : agentRoot(this.agentFilesDir, agent);
  }

  /** Creates the granted directories (relative ones under the agent's root). */
  async #prepareFiles(agent: string, files: ManifestFiles): Promise<void> {
    if (files.length === 0) return;
    const root = this.filesRoot(agent);
    if (root === undefined && files.some((f) => !f.path.startsWith("/"))) {
      throw new ApiError(
        "INVALID_REQUEST",
        "manifest.files: this node has no directory for agents' files",
        { field: "manifest.files" },
      );
    }
    for (const d of grantedDirs(files, root ?? "/")) {
      await Deno.mkdir(d.dir, { recursive: true });
    }
  }

  /** The Deno permissions of the Worker that may host this agent. */
  #permissions(h: AgentHandle): WorkerPermissions {
    const root = this.filesRoot(h.agentId.name) ?? "/";
    return workerPermissionsOf(h.manifest.net, grantedDirs(h.manifest.files, root));
  }

  /** Workers and agents now. */
  stats(): SandboxStats {
    const ws = [...this.#workers];
    return {
      workers: ws.length,
      agents: this.#handles.size,
      agentsPerWorker: ws.map((w) => w.slots.size),
    };
  }

  /** Stops every Worker; all handles become unusable. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#spawning.values()]);
    for (const h of [...this.#handles.values()]) await h.terminate().catch(() => {});
    for (const w of this.#workers) w.terminate("sandbox closed");
    this.#workers.clear();
    this.#stopWatchdog();
  }

  #cx: HandleContext = {
    place: (h, snapshot, avoid) => this.#place(h, snapshot, avoid),
    release: (h, w) => {
      w.slots.delete(h.slot);
      if (this.#handles.get(h.slot) === h) this.#handles.delete(h.slot);
      this.#trim(w.key);
    },
  };

  async #place(
    h: AgentHandle,
    snapshot: MemorySnapshot | undefined,
    avoid?: SandboxWorker,
  ): Promise<{ worker: SandboxWorker; slot: number }> {
    const component = await this.store.get(h.hash);
    const perms = this.#permissions(h);
    const key = permissionKey(perms) +
      (h.limits.cpu_ms_per_call > this.sharedWorkerCpuMs ? SOLO : "");
    const worker = await this.#pick(key, perms, avoid);
    const slot = this.#nextSlot++;
    worker.slots.add(slot);
    this.#handles.set(slot, h);
    try {
      let loading = worker.components.get(h.hash);
      if (!loading) {
        const id = worker.nextId();
        loading = worker.request(
          { t: "component", id, hash: h.hash, glue: component.glue, modules: component.modules },
          slot,
          60_000,
        ).then(() => {});
        worker.components.set(h.hash, loading);
        loading.catch(() => worker.components.delete(h.hash));
      }
      await loading;
      const r = await worker.request(
        {
          t: "activate",
          id: worker.nextId(),
          slot,
          agentId: h.agentId,
          hash: h.hash,
          nodeId: this.nodeId,
          manifest: h.manifest,
          limits: h.limits,
          storage: h.storageEntries(),
          snapshot,
          filesRoot: this.filesRoot(h.agentId.name) ?? "/",
          skipGrantCheck: this.skipGrantCheck,
        },
        slot,
        60_000,
      );
      if (r.t === "failed" && r.needBytes !== undefined) {
        throw new ApiError(
          "INVALID_REQUEST",
          `limits.memory ${h.limits.memory} is below the ${r.needBytes} bytes of linear memory ` +
            `component ${h.hash.slice(0, 12)} starts with`,
          { field: "limits.memory", value: h.limits.memory, initial_memory: r.needBytes },
        );
      }
      if (r.t === "failed") {
        throw new ApiError(
          "DEPLOYMENT_FAILED",
          `Agent ${h.agentId.name} could not be instantiated (${r.reason}): ${r.message}`,
          { agent: h.agentId.name, reason: r.reason, message: r.message },
        );
      }
    } catch (err) {
      worker.slots.delete(slot);
      this.#handles.delete(slot);
      throw err;
    }
    this.#ensureSpare(key, perms);
    return { worker, slot };
  }

  async #pick(key: string, p: WorkerPermissions, avoid?: SandboxWorker): Promise<SandboxWorker> {
    for (;;) {
      // Spread agents over `spreadWorkers` Workers first (one per core), then fill the
      // fullest Worker that has room, so that agents that stop or hibernate leave whole
      // Workers empty (retired by #trim, their heaps given back) instead of every Worker
      // part full; empty Workers (spares) are used last.
      let best: SandboxWorker | undefined;
      let spare: SandboxWorker | undefined;
      let hosting = 0;
      for (const w of this.#workers) {
        if (!w.alive || w === avoid || w.key !== key) continue;
        if (w.slots.size > 0) hosting++;
        if (w.slots.size >= this.#capacity(key)) continue;
        if (w.slots.size === 0) spare ??= w;
        else if (!best || w.slots.size > best.slots.size) best = w;
      }
      if (spare && (!best || hosting < this.spreadWorkers)) best = spare;
      if (this.#closed) throw new ApiError("UNAVAILABLE", "sandbox is closed");
      if (!best) {
        await (this.#spawning.get(key) ?? this.#spawn(key, p)).catch(() => {});
        continue;
      }
      await best.ready.catch(() => {});
      // Another activation may have filled it meanwhile; the caller takes a slot at once.
      if (best.alive && best.slots.size < this.#capacity(key)) return best;
    }
  }

  #spawn(key: string, p: WorkerPermissions): Promise<SandboxWorker> {
    const w = new SandboxWorker(
      key,
      p,
      (slot, op, arg) => this.#rpc(slot, op, arg),
      (dead, error) => this.#lost(dead, `sandbox worker crashed: ${error}`, undefined),
      () => this.#startWatchdog(),
    );
    this.#workers.add(w);
    const ready = w.ready.then(() => w);
    this.#spawning.set(key, ready);
    const done = () => {
      if (this.#spawning.get(key) === ready) this.#spawning.delete(key);
    };
    ready.then(done, done);
    return ready;
  }

  /** Agents a Worker of this key takes: one for agents with a Worker of their own. */
  #capacity(key: string): number {
    return key.endsWith(SOLO) ? 1 : this.maxAgentsPerWorker;
  }

  /** Idle Workers kept for this key: none for Workers of one agent. */
  #spares(key: string): number {
    return key.endsWith(SOLO) ? 0 : this.spareWorkers;
  }

  #ensureSpare(key: string, p: WorkerPermissions): void {
    if (this.#closed || this.#spawning.has(key)) return;
    const roomy = [...this.#workers].some((w) => w.alive && w.key === key && w.slots.size === 0);
    if (!roomy && this.#spares(key) > 0) this.#spawn(key, p).catch(() => {});
  }

  /** Stops empty Workers beyond the spares. */
  #trim(key: string): void {
    const empty = [...this.#workers].filter((w) =>
      w.key === key && w.slots.size === 0 && w.busy === 0
    );
    for (const w of empty.slice(this.#spares(key))) {
      w.terminate();
      this.#workers.delete(w);
    }
  }

  async #rpc(slot: number, op: RpcOp, arg: string): Promise<unknown> {
    const h = this.#handles.get(slot);
    if (!h) return "agent is gone";
    const host = h.host;
    switch (op) {
      case "find": {
        if (!host.findAgentsByService) return "the directory is not available";
        const ids = await host.findAgentsByService(arg);
        return ids.map((i): WitAgentId => ({
          name: i.name,
          addresses: i.addresses,
          resolvers: i.resolvers.map((r) => r.name),
        }));
      }
      case "nodes":
        return host.listNodes
          ? await host.listNodes()
          : [{ id: this.nodeId, load: 0, latency_ms: 0, available_memory: 0 }];
      case "isLocal":
        return host.isLocalAgent ? await host.isLocalAgent(arg) : false;
      case "nodeOf":
        return host.nodeOf ? (await host.nodeOf(arg)) ?? null : null;
      case "timerSet": {
        if (!this.timers) return { ok: false, error: "timers are not available on this node" };
        const t = TimerArgSchema.safeParse(JSON.parse(arg));
        if (!t.success) return { ok: false, error: `invalid timer: ${t.error.issues[0].message}` };
        return this.timers.set(h.agentId.name, t.data);
      }
      case "timerCancel":
        return this.timers ? this.timers.cancel(h.agentId.name, arg) : false;
    }
  }

  #lost(w: SandboxWorker, reason: string, culprit: number | undefined): void {
    if (!this.#workers.has(w)) return;
    this.#workers.delete(w);
    w.terminate(reason);
    for (const slot of [...w.slots]) {
      const h = this.#handles.get(slot);
      h?.workerLost(slot === culprit, reason);
    }
  }

  #startWatchdog(): void {
    if (this.#watchdog !== undefined || this.#closed) return;
    this.#watchdog = setInterval(() => this.#watch(), this.watchdogIntervalMs);
  }

  #stopWatchdog(): void {
    if (this.#watchdog !== undefined) clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }

  #watch(): void {
    const now = performance.now();
    let busy = false;
    for (const w of [...this.#workers]) {
      const r = w.running(now);
      if (!r) continue;
      busy = true;
      if (r.forMs > wallBackstopMs(r.budgetMs) + this.watchdogGraceMs) {
        const h = this.#handles.get(r.slot);
        this.#lost(
          w,
          `call of ${h?.agentId.name ?? `slot ${r.slot}`} ran ${Math.round(r.forMs)} ms ` +
            `(CPU limit ${r.budgetMs} ms, wall-time backstop ${wallBackstopMs(r.budgetMs)} ms); ` +
            "its Worker was stopped",
          r.slot,
        );
      }
    }
    if (!busy) this.#stopWatchdog();
  }
}

function parseOr<T>(
  field: string,
  schema: {
    safeParse(
      v: unknown,
    ): { success: true; data: T } | {
      success: false;
      error: { issues: { path: PropertyKey[]; message: string }[] };
    };
  },
  value: unknown,
): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  const path = [field, ...i.path.map(String)].join(".");
  throw new ApiError("INVALID_REQUEST", `Invalid ${path}: ${i.message}`, {
    field: path,
    issues: r.error.issues.map((x) => ({
      path: [field, ...x.path.map(String)],
      message: x.message,
    })),
  });
}
