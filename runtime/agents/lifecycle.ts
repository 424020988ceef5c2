/**
 * The agent lifecycle: restore after a node restart, deploy, update, stop, start and
 * remove. Each operation runs under the agent's lifecycle lock, and each undoes only what
 * it did when it fails at any step: the agent, its persisted record and the directory are
 * left exactly as before (faults are injected at each step in the tests).
 * @module
 */
import { ApiError } from "../errors/mod.ts";
import type { AgentStore } from "./agent-store.ts";
import type { AgentManagerDeps } from "./deps.ts";
import type { AgentUpdate, DeployConfig } from "./deploy-config.ts";
import type { LifecycleStep } from "./faults.ts";
import type { Instances } from "./instances.ts";
import type { Managed } from "./managed.ts";
import type { Mobility } from "./mobility.ts";
import { type AgentRecord, newAgentId } from "./record.ts";
import type { AgentRegistry } from "./registry.ts";
import type { RestartSupervisor } from "./supervisor.ts";
import type { AgentInstance } from "./deps.ts";
import type { AgentView } from "./view.ts";
import { nextVersionRecord } from "./versions.ts";
import type { KvOp } from "./kv-ops.ts";

/** What a deploy is told besides its component and config. */
export interface DeployOptions {
  /** The key id of the component's signer, when it was signed. */
  publisherKeyId?: string;
  /** Who deploys it (recorded with its first version). */
  deployedBy?: string;
  /**
   * Called with the new agent's id when its record is written: the writes it returns go into
   * the record's atomic write, durable together with it or not at all (the HTTP route's
   * audit intent).
   */
  alongRecord?(agentId: string): readonly KvOp[];
}

/** The parts the lifecycle works with. */
export interface LifecycleParts {
  store: AgentStore;
  registry: AgentRegistry;
  instances: Instances;
  supervisor: RestartSupervisor;
  mobility: Mobility;
  now: () => number;
}

/** Deploy, update, stop, start, remove and restore. */
export class Lifecycle {
  readonly store: AgentStore;
  readonly registry: AgentRegistry;
  readonly instances: Instances;
  readonly supervisor: RestartSupervisor;
  readonly mobility: Mobility;
  readonly now: () => number;

  constructor(readonly deps: AgentManagerDeps, parts: LifecycleParts) {
    ({
      store: this.store,
      registry: this.registry,
      instances: this.instances,
      supervisor: this.supervisor,
      mobility: this.mobility,
      now: this.now,
    } = parts);
  }

  /**
   * Brings back the agents persisted on this node: those that were running start again from
   * their last snapshot when they have one (fresh otherwise), hibernated ones wake on their
   * next message. Agents named in `inDoubt` (a move was under way when the node stopped)
   * come back paused, holding their messages, until {@link resolveMove} decides. Those
   * `defer` names are tracked but not started, nor woken, nor moved: {@link realign} starts
   * them (a message to a hibernated one waits for it, then wakes it at the version it says).
   */
  async restore(
    opts: { inDoubt?: Iterable<string>; defer?: (r: AgentRecord) => boolean } = {},
  ): Promise<void> {
    const doubt = new Set(opts.inDoubt ?? []);
    for (const record of await this.store.records()) {
      const m = this.registry.track(record);
      // Its version and whether it runs here are the directory's to say (see realign).
      if (opts.defer?.(record) && !doubt.has(record.name)) {
        m.unaligned = true;
        continue;
      }
      if (doubt.has(record.name)) {
        m.hold = {
          reason: "recover",
          queue: await this.deps.held?.list(record.name) ?? [],
          durable: this.deps.held !== undefined,
          front: 0,
        };
        this.registry.lock(m);
        continue;
      }
      if (record.state === "running" || record.state === "loaded") {
        try {
          const last = await this.instances.lastSnapshot(m);
          await this.instances.activate(m, last);
          await this.mobility.replayHeld(m, last);
        } catch (e) {
          this.supervisor.markFailed(
            m,
            "trap",
            `could not restart after node restart: ${(e as Error).message}`,
          );
        }
      }
    }
  }

  /**
   * Brings the agent's own instance in line with what `decide` says of its record: `record`,
   * a version to take first (its storage carries over, its memory does not; nothing is
   * recorded in the directory, which holds it already), and whether the instance runs here
   * (started from its last checkpoint when it keeps its version, stopped otherwise; an agent
   * stopped or failed on purpose stays so; one that does not run here is marked
   * `placedElsewhere` until it does). Under the agent's lifecycle lock; whether
   * anything changed, or `busy`: the agent is held (moving, its Worker being replaced) or
   * the node is closing, and nothing was done (ask again later). Once not busy, the agent
   * is aligned: a restored agent's messages held meanwhile go to it (waking it, hibernated,
   * at the version decided; see `Mobility.aligned`).
   */
  realign(
    ref: string,
    decide: (current: AgentRecord) => Promise<{ run: boolean; record?: AgentRecord }>,
  ): Promise<"changed" | "unchanged" | "busy"> {
    const m = this.registry.find(ref);
    // Messages held for the alignment itself (`align`) do not make it busy.
    const busy = () => (m.hold !== undefined && m.hold.reason !== "align") || this.registry.closed;
    return this.registry.serial(m, async () => {
      if (busy()) return "busy";
      const { run, record } = await decide(m.record);
      if (busy()) return "busy";
      // Not here: it must not wake or start here either (its messages go where it runs).
      m.placedElsewhere = run ? undefined : true;
      const wanted = run && (m.record.state === "running" || m.record.state === "loaded");
      if (!record && wanted === (m.handle !== undefined)) {
        this.mobility.aligned(m);
        return "unchanged";
      }
      if (m.handle) {
        await this.#drain(m.handle, 5_000);
        await m.ckpt?.flush().catch(() => {});
        await this.instances.drop(m);
      }
      if (record) {
        await this.store.putRecord(record);
        m.record = record;
      }
      if (wanted) {
        try {
          await this.instances.activate(
            m,
            record ? undefined : await this.instances.lastSnapshot(m),
          );
        } catch (e) {
          this.supervisor.markFailed(m, "trap", `could not start: ${(e as Error).message}`);
        }
      }
      this.mobility.aligned(m);
      return "changed";
    });
  }

  /**
   * Deploys a new agent from component bytes: activated before it answers, or (with
   * `start: "on-message"`) registered asleep, as a hibernated agent without a snapshot that
   * its first message wakes fresh.
   */
  async deploy(
    bytes: Uint8Array,
    config: DeployConfig,
    opts: DeployOptions = {},
  ): Promise<AgentView> {
    this.registry.open();
    if (this.registry.has(config.name)) {
      throw new ApiError("AGENT_ALREADY_EXISTS", `Agent name '${config.name}' already in use`, {
        name: config.name,
      });
    }
    // Deployed asleep: registered without an instance; its first message wakes it (fresh,
    // `init` then), which needs what wakes hibernated agents.
    const asleep = config.start === "on-message";
    if (asleep && !this.deps.snapshots) {
      throw new ApiError(
        "UNAVAILABLE",
        `this node keeps no snapshots, so agent '${config.name}' cannot start 'on-message'`,
        { name: config.name, field: "start" },
      );
    }
    const { hash } = await this.deps.store.load(bytes);
    const at = new Date(this.now()).toISOString();
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
    if (this.registry.has(config.name)) {
      throw new ApiError("AGENT_ALREADY_EXISTS", `Agent name '${config.name}' already in use`, {
        name: config.name,
      });
    }
    const m = this.registry.track(record);
    const directory = this.deps.directory;
    // Whether the name may be ours in the directory: not when the directory refused it
    // (another node's agent has it, and deregistering would delete that agent).
    let claimed = false;
    // Whether the record may be stored (and must be deleted if the deploy fails).
    let written = false;
    try {
      await this.#step("deploy.register", record.name);
      claimed = directory !== undefined;
      // One directory commit: the claim, the state the deploy brings the agent to and its
      // first version together (a failure below deregisters it all).
      const state = asleep ? "hibernated" : "running";
      await directory?.register({ ...record, state }, { deployedBy: opts.deployedBy });
      await this.#step("deploy.persist", record.name);
      // The record is written while the agent activates (one Deno KV commit less on the
      // way to the answer). Only once the name is ours: a crash before the activation ends
      // leaves a record that the directory already shows running here, which the node's
      // restart restores; a failed activation deletes it below.
      written = true;
      // Asleep, it has nothing stored: its first wake need not look (`never_started`).
      const stored: AgentRecord = asleep
        ? { ...record, state, never_started: true }
        : { ...record, state };
      // The writes `alongRecord` asks for (the HTTP route's audit intent) share the record's
      // commit: both are durable, or neither.
      const persisted = this.store.putRecord(stored, opts.alongRecord?.(record.agent_id));
      const activated = asleep ? undefined : this.#step("deploy.activate", record.name)
        .then(() => this.instances.activate(m, undefined, { announce: false }));
      const [p, a] = await Promise.allSettled([persisted, activated]);
      if (a.status === "rejected") throw a.reason;
      if (p.status === "rejected") throw p.reason;
      // The activation set the state the stored record holds, and a later time: the record
      // in memory is the one stored (a later write of it, e.g. an update's undo, then
      // rewrites what is stored). Asleep, it is a hibernated agent without a snapshot.
      m.record = asleep
        ? { ...m.record, state, updated_at: stored.updated_at, never_started: true }
        : { ...m.record, state, updated_at: stored.updated_at };
    } catch (e) {
      if (e instanceof ApiError && e.code === "AGENT_ALREADY_EXISTS") claimed = false;
      this.registry.untrack(m);
      this.instances.closeCheckpoints(m);
      await m.handle?.terminate().catch(() => {});
      m.handle = undefined;
      if (written) {
        await this.store.deleteRecord(record.name).catch((err) =>
          this.deps.log.warn("record delete after a failed deploy failed", {
            agent: record.name,
            error: String(err),
          })
        );
      }
      if (claimed) {
        await this.deps.directory?.deregister(record.name).catch((err) =>
          this.deps.log.warn("directory deregister after a failed deploy failed", {
            agent: record.name,
            error: String(err),
          })
        );
      }
      throw e;
    }
    this.deps.events.publish({
      type: "agent.deployed",
      agent_id: record.name,
      version: record.version,
      hash,
    });
    return this.registry.view(m);
  }

  /**
   * Updates an agent: a new component and/or config. The agent's storage carries over; its
   * memory does not (the new component starts with `init`). A new component carries its own
   * signer (`publisherKeyId`, or none); a config change keeps the old one.
   */
  update(
    ref: string,
    change: AgentUpdate,
  ): Promise<AgentView> {
    const m = this.registry.find(ref);
    return this.registry.serial(m, async () => {
      const hash = change.bytes ? (await this.deps.store.load(change.bytes)).hash : m.record.hash;
      const publisher = change.bytes ? change.publisherKeyId : m.record.publisher_key_id;
      const next: AgentRecord = {
        ...nextVersionRecord(
          m.record,
          { hash, config: change.config, publisher },
          this.deps.directory?.versions?.(m.record.name) ?? [],
        ),
        updated_at: new Date(this.now()).toISOString(),
        deployment_id: `deploy_${crypto.randomUUID().slice(0, 8)}`,
      };
      const before = m.record;
      const old = m.handle;
      if (old) {
        await this.#drain(old, 5_000);
        await m.ckpt?.flush().catch(() => {});
        this.instances.closeCheckpoints(m);
        m.handle = undefined;
        await old.terminate().catch(() => {});
      }
      // The new record is written first: the old instance's last checkpoint stays the
      // agent's, so a failure at any step brings the agent back exactly as it was.
      let written = false;
      try {
        await this.#step("update.persist", next.name);
        await this.store.putRecord(next);
        written = true;
        m.record = next;
        if (old) {
          await this.#step("update.activate", next.name);
          await this.instances.activate(m);
        }
      } catch (e) {
        this.instances.closeCheckpoints(m);
        await m.handle?.terminate().catch(() => {});
        m.handle = undefined;
        m.record = before;
        if (written) await this.store.putRecord(before);
        if (old) await this.#reactivate(m, "after a failed update");
        throw e;
      }
      await this.#recordVersion(next, next.version, change.deployedBy);
      this.deps.events.publish({
        type: "agent.updated",
        agent_id: next.name,
        version: next.version,
        hash,
      });
      return this.registry.view(m);
    });
  }

  /**
   * Stops an agent: it takes no new messages (`draining`), handles those in its mailbox
   * when `drain` (within the grace period), then `shutdown` runs and it is `stopped`.
   */
  stop(ref: string, opts: { graceSeconds?: number; drain?: boolean } = {}): Promise<AgentView> {
    const m = this.registry.find(ref);
    return this.registry.serial(m, async () => {
      this.supervisor.cancel(m);
      const h = m.handle;
      if (h) {
        this.registry.setState(m, "draining");
        if (opts.drain ?? true) await this.#drain(h, (opts.graceSeconds ?? 30) * 1000);
        await m.ckpt?.flush().catch((e) =>
          this.deps.log.warn("checkpoint before stop failed", {
            agent: m.record.name,
            error: String(e),
          })
        );
        this.instances.closeCheckpoints(m);
        await Promise.race([h.shutdown().catch(() => {}), sleep(1000)]);
        await h.terminate().catch(() => {});
        m.handle = undefined;
      }
      this.registry.setState(m, "stopped");
      await this.store.putRecord(m.record);
      this.deps.events.publish({ type: "agent.stopped", agent_id: m.record.name });
      return this.registry.view(m);
    });
  }

  /**
   * Starts a stopped or failed agent again (fresh instance, storage kept). `UNAVAILABLE`
   * (retry) while a restored agent waits for {@link realign}: its version is not known yet;
   * `CONFLICT` while the directory places it on another node (`placedElsewhere`).
   */
  resume(ref: string): Promise<AgentView> {
    const m = this.registry.find(ref);
    return this.registry.serial(m, async () => {
      if (m.handle) return this.registry.view(m);
      if (m.unaligned) {
        throw new ApiError(
          "UNAVAILABLE",
          `Agent '${m.record.name}' starts once this node has caught up with the directory (restarted)`,
          { agent: m.record.name },
          { headers: { "Retry-After": "1" } },
        );
      }
      if (m.placedElsewhere) {
        throw new ApiError(
          "CONFLICT",
          `Agent '${m.record.name}' runs where the directory places it, not on this node`,
          { agent: m.record.name },
        );
      }
      this.supervisor.cancel(m);
      const before = m.record;
      const failures = m.failures;
      m.failures = { times: [], consecutive: 0 };
      const wake = before.state === "hibernated";
      try {
        await this.#step("start.activate", before.name);
        await this.instances.activate(m, wake ? await this.instances.lastSnapshot(m) : undefined);
        await this.#step("start.persist", before.name);
        await this.store.putRecord(m.record);
      } catch (e) {
        await this.instances.drop(m);
        m.failures = failures;
        this.registry.setState(m, before.state);
        m.record = before;
        throw e;
      }
      this.deps.events.publish({ type: "agent.started", agent_id: m.record.name });
      return this.registry.view(m);
    });
  }

  /** Removes an agent, its record and its storage. */
  remove(
    ref: string,
  ): Promise<{ agent_id: string; name: string; status: "removed"; removed_at: string }> {
    const m = this.registry.find(ref);
    return this.registry.serial(m, async () => {
      this.supervisor.cancel(m);
      const h = m.handle;
      if (h) await m.ckpt?.flush().catch(() => {});
      this.instances.closeCheckpoints(m);
      await h?.terminate().catch(() => {});
      m.handle = undefined;
      try {
        await this.#step("delete.persist", m.record.name);
        await this.store.deleteAgent(m.record.name);
      } catch (e) {
        // Nothing is deleted: the agent continues from its last checkpoint.
        if (h) await this.#reactivate(m, "after a failed delete");
        throw e;
      }
      this.registry.untrack(m);
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
        removed_at: new Date(this.now()).toISOString(),
      };
    });
  }
  /**
   * Records a deploy or update that took effect as a version in the directory. The change
   * stands when the directory cannot record it (it is logged): the agent runs it already.
   */
  async #recordVersion(record: AgentRecord, version: string, deployedBy?: string) {
    await this.deps.directory?.recordVersion?.(record, { version, deployedBy }).catch((e) =>
      this.deps.log.warn("directory did not record the version", {
        agent: record.name,
        version,
        error: String(e),
      })
    );
  }

  async #step(step: LifecycleStep, agent: string): Promise<void> {
    await this.deps.fault?.(step, agent);
  }

  /**
   * Brings an instance that a failed operation stopped back from its last checkpoint, with
   * its record as it was.
   */
  async #reactivate(m: Managed, why: string): Promise<void> {
    const record = m.record;
    try {
      await this.instances.activate(m, await this.instances.lastSnapshot(m));
      m.record = record;
    } catch (e) {
      this.supervisor.markFailed(m, "trap", `could not restart ${why}: ${(e as Error).message}`);
    }
  }

  /** Waits until the instance's mailbox is empty, at most `graceMs`. */
  async #drain(h: AgentInstance, graceMs: number): Promise<void> {
    const until = this.now() + graceMs;
    while (h.pending > 0 && this.now() < until) await sleep(5);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
