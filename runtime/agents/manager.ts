import type { AclMessage } from "../acl/mod.ts";
import { REAL_TIMERS } from "../async/mod.ts";
import { AgentStore } from "./agent-store.ts";
import {
  type AgentActivity,
  type AgentCapture,
  DEFAULT_HIBERNATE_AFTER_SECONDS,
  type HeldDelivery,
  type MigrationHop,
  type StagedArrival,
} from "./contract.ts";
import type { AgentManagerDeps } from "./deps.ts";
import type { AgentUpdate, DeployConfig, UpdateConfig } from "./deploy-config.ts";
import { Instances } from "./instances.ts";
import { type DeployOptions, Lifecycle } from "./lifecycle.ts";
import { Mailbox, type MailboxDeps } from "./mailbox.ts";
import type { HostCallbacks } from "../sandbox/mod.ts";
import { NextInstances } from "./next-instance.ts";
import type { Hold, Managed, VersionStats } from "./managed.ts";
import { nextVersionRecord } from "./versions.ts";
import { Mobility } from "./mobility.ts";
import { Outgoing } from "./outgoing.ts";
import { AgentLogs, messageRecord } from "./agent-log.ts";
import { agentTimers, loadStoredTimers } from "./agent-timers.ts";
import type { DurableTimers } from "../timers/mod.ts";
import type { AgentRecord, AgentState } from "./record.ts";
import { AgentRegistry, firstAfterName } from "./registry.ts";
import { RestartSupervisor } from "./supervisor.ts";
import type { AgentView } from "./view.ts";
import type { AgentVersion } from "../directory/mod.ts";
import { ApiError } from "../errors/mod.ts";

export type { AgentDirectory, AgentManagerDeps } from "./deps.ts";

/** Filters and paging of {@link AgentManager.list}. */
export interface ListOptions {
  status?: AgentState;
  limit?: number;
  offset?: number;
  /** Start after this agent name (in the list's order); `offset` then counts from there. */
  after?: string;
  /** Only the agents this admits (a caller's read scopes), counted before paging. */
  visible?: (name: string) => boolean;
}

/**
 * Agent lifecycle on one node: deploy, update, stop, resume, remove, supervision with the
 * agent's restart strategy, hibernation and moves. Agents are addressed by name (unique) or
 * by `agent_id`. A facade over parts with one job each: the registry with the per-agent
 * lifecycle lock ({@link AgentRegistry}), the lifecycle operations ({@link Lifecycle}), the
 * mailbox ({@link Mailbox}), the restart supervisor ({@link RestartSupervisor}), mobility
 * ({@link Mobility}), the sandbox adapter with checkpoints ({@link Instances}) and what
 * agents send ({@link Outgoing}).
 *
 * Delivery guarantees. An `at-most-once` message is acknowledged once it is in the agent's
 * mailbox (in memory): a crash before the next checkpoint (at most `checkpointIntervalMs`
 * later) may lose it and the effects of handling it. An `at-least-once` message is
 * acknowledged only after the agent handled it and a checkpoint committed the handling's
 * effects — memory, storage writes, the messages it sent (held until then) and the
 * duplicate mark — together; after a crash the agent resumes from its last checkpoint and
 * every acknowledged message's effect is there exactly once (unacknowledged ones are sent
 * again by their sender and the duplicate mark drops those already committed). While the
 * agent moves, an at-least-once message is acknowledged once it is in the held log. A full
 * mailbox answers `RESOURCE_LIMIT_EXCEEDED` (429, `Retry-After`). Records and agent storage
 * live in Deno KV, so a restarted node brings back every agent that was running.
 */
export class AgentManager {
  readonly #registry: AgentRegistry;
  readonly #store: AgentStore;
  readonly #instances: Instances;
  readonly #mailbox: Mailbox;
  readonly #mobility: Mobility;
  readonly #lifecycle: Lifecycle;
  readonly #next: NextInstances;
  readonly #outgoing: Outgoing;
  #spread?: MailboxDeps["spread"];
  /** Each agent's own log: its lines and the messages it received and sent. */
  readonly logs: AgentLogs;
  /** Agents' durable timers (the sandbox's timer service; see {@link agentTimers}). */
  readonly timers: DurableTimers;

  constructor(readonly deps: AgentManagerDeps) {
    const now = deps.now ?? Date.now;
    const store = this.#store = new AgentStore(deps.kv, { reader: deps.kvReader });
    const registry = this.#registry = new AgentRegistry({
      deps,
      now,
      deliver: (m, d, to) => this.#mailbox.deliver(m, d, to),
    });
    const logs = this.logs = new AgentLogs(now);
    const outgoing = this.#outgoing = new Outgoing(deps, now, logs);
    const instances = this.#instances = new Instances(deps, store, registry, now, {
      sent: (m, message, id) => outgoing.sent(m, message, id),
      failed: (m, f) => supervisor.failed(m, f),
      migrate: (m, node) => this.#mobility.requestMigration(m, node),
      redeliver: (m, q) => this.#mailbox.redeliver(m, q),
      lost: (m, h, reason) => this.#mobility.workerLost(m, h, reason),
      logged: (m, level, text) => logs.append(m.record.name, { kind: "log", level, text }),
    });
    const supervisor = new RestartSupervisor(
      deps,
      store,
      registry,
      instances,
      deps.timers ?? REAL_TIMERS,
      now,
    );
    const mobility = this.#mobility = new Mobility(deps, {
      store,
      registry,
      instances,
      supervisor,
      now,
    });
    const next = this.#next = new NextInstances(deps, instances);
    this.#mailbox = mobility.mailbox = new Mailbox({
      deps,
      now,
      holding: (m) => mobility.holding(m),
      deliverNext: (m, d, to) => next.deliver(m, d, () => this.#mailbox.deliver(m, d, to)),
      spread: (m, d, here) => this.#spread?.(m, d, here),
      received: (m, d) =>
        logs.append(m.record.name, messageRecord("received", d.message, d.message_id)),
      declined: (m, message) => {
        outgoing.declined(m, message).catch((e) =>
          deps.log.debug("not-understood undeliverable", {
            agent: m.record.name,
            error: String(e),
          })
        );
      },
    });
    this.timers = agentTimers({
      deps,
      now,
      get: (name) => registry.get(name),
      holding: (m) => mobility.holding(m),
    });
    this.#lifecycle = new Lifecycle(deps, {
      store,
      registry,
      instances,
      supervisor,
      mobility,
      now,
    });
  }

  /**
   * Sets how messages to a replicated agent are spread over its instances (the mailbox
   * asks it first; see `replicas/host.ts`).
   */
  setSpread(spread: MailboxDeps["spread"]): void {
    this.#spread = spread;
  }

  /**
   * What an instance of `m` beside the agent's own (a replica) needs from the manager: its
   * host callbacks (sends routed as the agent's, logs in its log) and the `not-understood`
   * answer for a message it declined.
   */
  replicaSupport(m: Managed): {
    host: HostCallbacks;
    declined(message: AclMessage): Promise<void>;
  } {
    return {
      host: this.#instances.host(m),
      declined: (message) => this.#outgoing.declined(m, message),
    };
  }

  /**
   * Brings back the agents persisted on this node: those that were running start again from
   * their last checkpoint or snapshot (fresh otherwise), hibernated ones wake on their next
   * message. Agents named in `inDoubt` (a move was under way when the node stopped) come
   * back paused, holding their messages, until {@link resumeAfterMove} or
   * {@link releaseMoved} decides.
   */
  async restore(
    opts: { inDoubt?: Iterable<string>; defer?: (r: AgentRecord) => boolean } = {},
  ): Promise<void> {
    await this.#lifecycle.restore(opts);
    // Their timers too: those due while the node was down fire now.
    for (const [name, table] of await loadStoredTimers(this.deps.kv, (n) => this.has(n))) {
      this.timers.load(name, table);
    }
  }

  /**
   * Brings the agent's own instance in line with `decide` (a version to take, whether it
   * runs here): see {@link Lifecycle.realign}. Whether anything changed (`busy`: not now).
   */
  realign(
    ref: string,
    decide: (current: AgentRecord) => Promise<{ run: boolean; record?: AgentRecord }>,
  ): Promise<"changed" | "unchanged" | "busy"> {
    return this.#lifecycle.realign(ref, decide);
  }

  /** Deploys a new agent from component bytes. */
  deploy(
    bytes: Uint8Array,
    config: DeployConfig,
    opts: DeployOptions = {},
  ): Promise<AgentView> {
    return this.#lifecycle.deploy(bytes, config, opts);
  }

  /**
   * Agents on this node, sorted by name; a page of `limit` from `offset`, or (with `after`)
   * from the first name after `after`. `next_after` is the page's last name when more follow.
   */
  list(opts: ListOptions = {}): {
    agents: AgentView[];
    total: number;
    next_offset?: number;
    next_after?: string;
  } {
    // The names, sorted; only with a filter is every agent looked at (to count the total).
    let names = this.#registry.sortedNames();
    if (opts.status || opts.visible) {
      names = names.filter((name) =>
        (!opts.status || this.#registry.get(name)!.record.state === opts.status) &&
        (!opts.visible || opts.visible(name))
      );
    }
    const after = opts.after;
    const start = (opts.offset ?? 0) +
      (after === undefined ? 0 : firstAfterName(names, after));
    const limit = opts.limit ?? 100;
    const page = names.slice(start, start + limit).map((name) =>
      this.#registry.view(this.#registry.get(name)!)
    );
    const more = start + limit < names.length;
    return {
      agents: page,
      total: names.length,
      ...(more ? { next_offset: start + limit, next_after: page[page.length - 1].name } : {}),
    };
  }

  /**
   * A send-and-wait `request` to agents here timed out: while one of them runs a second
   * version (a deployment), the version that had the conversation counts an error.
   */
  noteTimeout(request: AclMessage): void {
    const conversation = request.conversation_id;
    if (conversation === undefined) return;
    for (const to of request.receivers) {
      const local = this.deps.router.localName(to);
      const next = local === undefined ? undefined : this.#registry.get(local)?.next;
      const side = next?.split.sideOf(conversation);
      if (next && side) next.stats[side].errors++;
    }
  }

  /** One agent by name, full name (`name@platform`) or agent id. */
  get(ref: string): AgentView {
    return this.#registry.view(this.#registry.find(ref));
  }

  /**
   * The recorded versions of an agent (by name, full name or agent id of an agent here, or
   * the name of one elsewhere in the cluster), oldest first; `404 AGENT_NOT_FOUND` when
   * there are none.
   */
  versions(ref: string): { name: string; versions: readonly AgentVersion[] } {
    let name = ref.split("@")[0];
    try {
      name = this.#registry.find(ref).record.name;
    } catch { /* not here: the directory may know it */ }
    const versions = this.deps.directory?.versions?.(name) ?? [];
    if (versions.length === 0) {
      throw new ApiError("AGENT_NOT_FOUND", `No versions of agent '${ref}' are recorded`, {
        agent: ref,
      });
    }
    return { name, versions };
  }

  /**
   * Starts the next version of an agent beside its instance (canary, blue-green): a new
   * component and/or config, taking `weight` percent of new conversations. Its label is
   * `config.version`, or the automatic next one. `409 CONFLICT` when one runs already.
   */
  async startNext(
    ref: string,
    change: { bytes: Uint8Array; config?: UpdateConfig; publisherKeyId?: string },
    weight: number,
  ): Promise<{ version: string; hash: string }> {
    const m = this.#registry.find(ref);
    const { hash } = await this.deps.store.load(change.bytes);
    const record = nextVersionRecord(
      m.record,
      { hash, config: change.config, publisher: change.publisherKeyId },
      this.deps.directory?.versions?.(m.record.name) ?? [],
    );
    await this.#next.start(m, record, weight);
    return { version: record.version, hash };
  }

  /** Sets the next version's share of new conversations, percent. */
  setNextWeight(ref: string, weight: number): void {
    this.#registry.find(ref).next?.split.setWeight(weight);
  }

  /** Outcomes of both versions while a next one runs (`undefined` when none does). */
  nextStats(ref: string): { stable: VersionStats; next: VersionStats; weight: number } | undefined {
    const n = this.#registry.find(ref).next;
    return n && { stable: n.stats.stable, next: n.stats.next, weight: n.split.weight };
  }

  /** Stops the next version: it takes nothing new, finishes what it has, and ends. */
  stopNext(ref: string): Promise<void> {
    return this.#next.stop(this.#registry.find(ref));
  }

  /**
   * Completes a deployment: the agent becomes its next version (`change`, as
   * {@link update}). Its messages are held meanwhile; the second instance finishes what it
   * has and stops, then the update's last checkpoint of the agent (which holds what both
   * instances wrote to their one storage) is what the new version starts from, and the held
   * messages go to it.
   */
  async completeNext(
    ref: string,
    change: AgentUpdate,
  ): Promise<AgentView> {
    const m = this.#registry.find(ref);
    const hold: Hold | undefined = m.hold
      ? undefined
      : (m.hold = { reason: "deploy", queue: [], durable: false, front: 0 });
    try {
      await this.#next.stop(m);
      return await this.#lifecycle.update(ref, change);
    } finally {
      if (hold && m.hold === hold) this.#mailbox.release(m);
    }
  }

  /** Whether an agent of that name is managed here. */
  has(name: string): boolean {
    return this.#registry.has(name);
  }

  /**
   * Updates an agent: a new component and/or config. The agent's storage carries over; its
   * memory does not (the new component starts with `init`). A failed update leaves the agent
   * as it was. Each deploy and update is recorded as a version in the directory (see
   * {@link versions}).
   */
  update(
    ref: string,
    change: AgentUpdate,
  ): Promise<AgentView> {
    return this.#lifecycle.update(ref, change);
  }

  /**
   * Stops an agent: it takes no new messages (`draining`), handles those in its mailbox
   * when `drain` (within the grace period), then `shutdown` runs and it is `stopped`.
   */
  async stop(
    ref: string,
    opts: { graceSeconds?: number; drain?: boolean } = {},
  ): Promise<AgentView> {
    await this.#next.stop(this.#registry.find(ref));
    return await this.#lifecycle.stop(ref, opts);
  }

  /** Starts a stopped or failed agent again (fresh instance, storage kept). */
  resume(ref: string): Promise<AgentView> {
    return this.#lifecycle.resume(ref);
  }

  /** Removes an agent, its record and its storage. */
  async remove(
    ref: string,
  ): Promise<{ agent_id: string; name: string; status: "removed"; removed_at: string }> {
    await this.#next.stop(this.#registry.find(ref), 0);
    const r = await this.#lifecycle.remove(ref);
    this.logs.drop(r.name);
    await this.timers.drop(r.name);
    return r;
  }

  /**
   * Mailbox depth and state counts, for metrics, and how many agents' checkpoint indexes
   * are kept in memory (those with an instance: a sleeper keeps none).
   */
  stats(): {
    byState: Record<string, number>;
    mailbox: Record<string, number>;
    checkpointIndexes: number;
  } {
    const byState: Record<string, number> = {};
    const mailbox: Record<string, number> = {};
    for (const m of this.#registry.all()) {
      byState[m.record.state] = (byState[m.record.state] ?? 0) + 1;
      if (m.handle) mailbox[m.record.name] = m.handle.pending;
    }
    return { byState, mailbox, checkpointIndexes: this.#store.checkpoints.indexed };
  }

  // ---- hibernation and moves (see Mobility) ----

  /** Sets what serves an agent's `migrate-to` request (the migration service). */
  onMigrateRequest(handler: (name: string, node: string) => Promise<unknown>): void {
    this.#mobility.migrateHandler = handler;
  }

  /**
   * Each running agent's state, last activity and idle limit (for the hibernation
   * scheduler, which only ever hibernates running agents): the sleepers, most of the agents
   * on a node of many, cost it nothing.
   */
  activity(): AgentActivity[] {
    const out: AgentActivity[] = [];
    for (const m of this.#registry.all()) {
      if (m.record.state === "running") out.push(activityOf(m));
    }
    return out;
  }

  /** One agent's {@link activity}, or undefined unless it is here and running. */
  activityOf(name: string): AgentActivity | undefined {
    const m = this.#registry.get(name);
    return m?.record.state === "running" ? activityOf(m) : undefined;
  }

  /** See {@link AgentRegistry.takeActivated} (the hibernation scheduler's feed). */
  takeActivated(): string[] {
    return this.#registry.takeActivated();
  }

  /**
   * See {@link Mobility.hibernate}. An agent running a second version (a deployment under
   * way) does not hibernate: `409 CONFLICT` until the deployment ends.
   */
  hibernate(ref: string): Promise<AgentView> {
    const m = this.#registry.find(ref);
    if (m.next) return Promise.reject(underDeployment(m, "hibernates"));
    return this.#mobility.hibernate(ref);
  }

  /**
   * See {@link Mobility.pauseForMove}. An agent running a second version (a deployment
   * under way) does not move: `409 CONFLICT` until the deployment ends.
   */
  pauseForMove(ref: string, hop: MigrationHop): Promise<AgentCapture> {
    const m = this.#registry.find(ref);
    if (m.next) return Promise.reject(underDeployment(m, "moves"));
    return this.#mobility.pauseForMove(ref, hop);
  }

  /** See {@link Mobility.resumeAfterMove}. */
  resumeAfterMove(ref: string, opts: { arrived?: boolean } = {}): Promise<void> {
    return this.#mobility.resumeAfterMove(ref, opts);
  }

  /** See {@link Mobility.releaseMoved}. */
  releaseMoved(ref: string): HeldDelivery[] {
    return this.#mobility.releaseMoved(ref);
  }

  /** See {@link Mobility.forgetMoved}. */
  forgetMoved(name: string): Promise<void> {
    return this.#mobility.forgetMoved(name);
  }

  /** See {@link Mobility.stageArrival}. */
  stageArrival(capture: AgentCapture): Promise<StagedArrival> {
    return this.#mobility.stageArrival(capture);
  }

  /** See {@link Mobility.completeArrival}. */
  completeArrival(ref: string, released: HeldDelivery[]): void {
    this.#mobility.completeArrival(ref, released);
  }

  /** Whether the agent is still waiting for its arrival to complete. */
  arriving(name: string): boolean {
    return this.#mobility.arriving(name);
  }

  /**
   * Terminates every agent without changing their records (they return on restart). With
   * snapshots configured, running agents are snapshotted first (within `snapshotBudgetMs`
   * overall), so a restarted node continues them exactly where they stopped.
   */
  async close(opts: { snapshotBudgetMs?: number } = {}): Promise<void> {
    this.#registry.close();
    await this.timers.close();
    const until = performance.now() + (opts.snapshotBudgetMs ?? 5_000);
    for (const m of this.#registry.all()) {
      this.#lifecycle.supervisor.cancel(m);
      const h = m.handle;
      if (h && this.deps.snapshots && !m.hold && m.record.state === "running") {
        const left = until - performance.now();
        if (left > 0) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const save = (m.ckpt?.flush() ?? Promise.resolve())
            .then(() => this.#instances.capture(m, h))
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
      this.#instances.closeCheckpoints(m);
      await m.handle?.terminate().catch(() => {});
      m.handle = undefined;
      m.unregister?.();
    }
  }
}

/** What the hibernation scheduler needs to know of running agent `m`. */
function activityOf(m: Managed): AgentActivity {
  return {
    name: m.record.name,
    state: m.record.state,
    last_active_ms: Math.max(m.lastActive, m.counters.last_message_at ?? 0),
    hibernate_after_seconds: m.record.hibernate_after_seconds ?? DEFAULT_HIBERNATE_AFTER_SECONDS,
    pending: (m.handle?.pending ?? 0) + (m.hold?.queue.length ?? 0),
  };
}

/** `409 CONFLICT`: `m` runs a second version, so it `does` (moves, hibernates) only later. */
function underDeployment(m: Managed, does: string): ApiError {
  return new ApiError(
    "CONFLICT",
    `Agent '${m.record.name}' runs a second version (${m.next?.record.version}) of a ` +
      `deployment under way: it ${does} once the deployment ends`,
    { agent: m.record.name },
  );
}
