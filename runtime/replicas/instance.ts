/**
 * One instance of a replicated (stateless) agent that this node runs beside (or instead of)
 * the agent's own: its sandbox instance started from the version's component and config
 * with empty storage (a stateless agent keeps nothing that matters between messages), its
 * counts, and its replacement after a failure (its share goes to the other instances
 * meanwhile: the host skips an instance that is not running).
 * @module
 */
import { aid } from "../acl/mod.ts";
import { type TimerHandle, UNREF_TIMERS } from "../async/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { AgentInstance, Managed } from "../agents/mod.ts";
import type { Delivery } from "../routing/mod.ts";
import { type HostCallbacks, type Limits, mailboxFull, type Manifest } from "../sandbox/mod.ts";
import type { InstanceStats } from "./wire.ts";

/** What an instance needs from the node. */
export interface ReplicaInstanceDeps {
  platform: string;
  node: string;
  activate(opts: {
    agentId: ReturnType<typeof aid>;
    hash: string;
    manifest: Manifest;
    limits: Limits;
    storage: Map<string, Uint8Array>;
    host: HostCallbacks;
  }): Promise<AgentInstance>;
  /** The host callbacks of the agent (sends, logs) and its `not-understood` answers. */
  support(
    m: Managed,
  ): { host: HostCallbacks; declined(message: Delivery["message"]): Promise<void> };
  /** Called when it failed and when it runs again (the host may publish events). */
  changed(i: ReplicaInstance, what: "failed" | "running", reason?: string): void;
  /** Delay before a failed instance is started again, ms. */
  restartDelayMs: number;
  log: { warn(msg: string, f?: Record<string, unknown>): void };
}

/** The version an instance runs. */
export interface InstanceVersion {
  hash: string;
  manifest: Manifest;
  limits: Limits;
}

/** One local instance of a replicated agent. */
export class ReplicaInstance {
  state: "starting" | "running" | "failed" = "starting";
  handled = 0;
  failed = 0;
  restarts = 0;
  #handle?: AgentInstance;
  #closed = false;
  #timer?: TimerHandle;

  constructor(
    readonly deps: ReplicaInstanceDeps,
    readonly name: string,
    readonly index: number,
    readonly version: InstanceVersion,
    /** The stand-in the agent manager's callbacks take (record and current handle). */
    readonly managed: Managed,
  ) {}

  /** Starts it (again); a failure to start counts as a failure. */
  async start(): Promise<void> {
    if (this.#closed) return;
    this.state = "starting";
    const { deps } = this;
    const box: { self?: AgentInstance } = {};
    try {
      const support = deps.support(this.managed);
      const self = box.self = await deps.activate({
        agentId: aid(`${this.name}@${deps.platform}`),
        hash: this.version.hash,
        manifest: this.version.manifest,
        limits: this.version.limits,
        storage: new Map(),
        host: {
          ...support.host,
          onFailed: (f) => {
            if (box.self === undefined || this.#handle === box.self) this.#failed(f.reason);
          },
          onMigrate: () => {},
        },
      });
      if (this.#closed) {
        await self.terminate().catch(() => {});
        return;
      }
      this.#handle = self;
      this.managed.handle = self;
      this.state = "running";
      deps.changed(this, "running");
    } catch (e) {
      this.#failed(`start: ${(e as Error).message}`);
    }
  }

  /** Whether it takes messages now. */
  get up(): boolean {
    return this.state === "running" && this.#handle !== undefined;
  }

  /**
   * Hands `d` to it, answering as the delivery's mode asks (like the agent's mailbox).
   * Throws `AGENT_UNAVAILABLE` with `replica_unavailable` when it is not running (the
   * sender tries the next instance).
   */
  deliver(d: Delivery): void | Promise<void> {
    const h = this.#handle;
    if (!h || this.state !== "running") throw unavailable(this.name, this.index, this.deps.node);
    const limit = this.version.limits.mailbox;
    if (h.pending >= limit) throw mailboxFull(this.name, limit);
    const done = h.deliver(d.message, { messageId: d.message_id }).then((r) => {
      this.handled++;
      if (!r.handled) {
        this.deps.support(this.managed).declined(d.message).catch(() => {});
      }
    }, (e) => {
      this.failed++;
      throw e;
    });
    if (d.mode === "at-least-once" || d.await_handled) return done;
    done.catch(() => {});
  }

  /** Its figures. */
  stats(): InstanceStats {
    return {
      index: this.index,
      node: this.deps.node,
      state: this.state,
      handled: this.handled,
      failed: this.failed,
      restarts: this.restarts,
      component_hash: this.version.hash,
    };
  }

  /** Ends it for good. */
  async close(): Promise<void> {
    this.#closed = true;
    UNREF_TIMERS.clear(this.#timer);
    const h = this.#handle;
    this.#handle = undefined;
    this.managed.handle = undefined;
    await h?.terminate().catch(() => {});
  }

  #failed(reason: string): void {
    const h = this.#handle;
    this.#handle = undefined;
    this.managed.handle = undefined;
    this.state = "failed";
    h?.terminate().catch(() => {});
    this.deps.log.warn("replica instance failed; replacing it", {
      agent: this.name,
      index: this.index,
      reason,
    });
    this.deps.changed(this, "failed", reason);
    if (this.#closed) return;
    this.#timer = UNREF_TIMERS.set(() => {
      this.#timer = undefined;
      this.restarts++;
      void this.start();
    }, this.deps.restartDelayMs);
  }
}

/** The error of an instance that takes nothing now: the sender tries the next one. */
export function unavailable(name: string, index: number, node: string): ApiError {
  return new ApiError(
    "AGENT_UNAVAILABLE",
    `Instance ${index} of '${name}' on node '${node}' is not running`,
    { agent: name, instance: index, node, replica_unavailable: true },
    { headers: { "Retry-After": "1" } },
  );
}

/** Whether `e` says an instance (or its node) could not take a message at all. */
export function isUnavailable(e: unknown): boolean {
  return e instanceof ApiError &&
    (e.code === "UNAVAILABLE" || e.details.replica_unavailable === true);
}
