/**
 * The shell of deployments: carries out what {@link startDeployment} and
 * {@link requestRollback} decide, on this node's agents, and keeps every deployment in the
 * replicated directory (`deployment.put`), so that any node answers for it. A deployment
 * replaces the agent's instance (`immediate`, and `rolling` of one instance); `canary` and
 * `blue_green` (refused for an agent running as several instances: `rolling` is theirs) start the new version as a second instance beside the first
 * (`AgentManager.startNext`) and move it on at each tick (`tickMs`, the one timer) with
 * {@link decide}: weights, completion (the second instance finishes and stops, and the
 * agent is updated to the new version, its messages held meanwhile) or rollback (the second
 * instance stops). Both instances share the agent's one storage, so what either wrote stays
 * the agent's whichever way the deployment ends.
 * @module
 */
import type { AgentManager, UpdateConfig } from "../agents/mod.ts";
import { type Timers, UNREF_TIMERS } from "../async/mod.ts";
import { UpdateConfigSchema } from "../agents/mod.ts";
import type {
  AgentVersion,
  ApplyResult,
  DeploymentRecord,
  DirectoryCommand,
  DirectoryState,
} from "../directory/mod.ts";
import { getDeployment, listDeployments, listVersions } from "../directory/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { EventBus } from "../events/mod.ts";
import { decide, type DeploymentProgress, requestRollback, startDeployment } from "./decide.ts";
import type { Strategy } from "./strategy.ts";
import type { RollingReplicas } from "./rolling-run.ts";
import { RollingDeployments } from "./rolling-deployments.ts";
import { type DeploymentView, deploymentView, metricsOf, type VersionMetrics } from "./view.ts";

export { type DeploymentView, deploymentView, type VersionMetrics } from "./view.ts";

/** What the deployment service needs from the node. */
export interface DeploymentDeps {
  /** This node's member id. */
  nodeId: string;
  /** Proposes a directory command through Raft. */
  propose(cmd: DirectoryCommand): Promise<ApplyResult>;
  /** The directory as this node has applied it. */
  state(): DirectoryState;
  agents: Pick<
    AgentManager,
    "get" | "update" | "startNext" | "setNextWeight" | "nextStats" | "stopNext" | "completeNext"
  >;
  /** The original bytes of a stored component, by hash; storing one (rolling). */
  components: {
    original(hash: string): Promise<Uint8Array | undefined>;
    load?(bytes: Uint8Array): Promise<{ hash: string }>;
  };
  /** The replicas of stateless agents (rolling deployments across their instances). */
  replicas?: RollingReplicas;
  events: EventBus;
  /** Clock, ms since the epoch. */
  now?: () => number;
  /** The timer of the ticks (default: unref'd real timers). */
  timers?: Timers;
  /** Time between two decisions of a deployment under way, ms (default 100). */
  tickMs?: number;
}

/** A canary or blue-green deployment under way on this node. */
interface Run {
  record: DeploymentRecord;
  strategy: Strategy;
  progress: DeploymentProgress;
  source: { bytes: Uint8Array; config: UpdateConfig; publisherKeyId?: string };
  by?: string;
}

/** What a client asks for (validated by the route). */
export interface DeploymentRequest {
  /** The agent, by name or id (hosted on this node). */
  agent: string;
  /** A new component; or, without it, `version` names a stored version to deploy. */
  bytes?: Uint8Array;
  /** The new version's label (with `bytes`), or the stored version (label or number). */
  version?: string;
  config?: UpdateConfig;
  publisherKeyId?: string;
  strategy: Strategy;
  /** Who asks (the token's subject). */
  by?: string;
}

const ref = (v: AgentVersion | undefined) => v && { seq: v.seq, version: v.version };

/** Creates, lists and rolls back deployments. */
export class DeploymentService {
  readonly #now: () => number;
  readonly #timers: Timers;
  readonly #runs = new Map<string, Run>();
  readonly #rolling?: RollingDeployments;
  /** The last metrics of deployments run here (kept for the views after they end). */
  readonly #metrics = new Map<string, Record<string, VersionMetrics>>();
  #timer: unknown;
  #watcher: unknown;
  #ticking = false;

  constructor(readonly deps: DeploymentDeps) {
    this.#now = deps.now ?? Date.now;
    this.#timers = deps.timers ?? UNREF_TIMERS;
    if (deps.replicas) {
      this.#rolling = new RollingDeployments({
        nodeId: deps.nodeId,
        state: () => deps.state(),
        propose: (cmd) => deps.propose(cmd),
        replicas: deps.replicas,
        components: deps.components,
        update: (name, change) => deps.agents.update(name, change),
        now: () => this.#now(),
        put: (d, expected) => this.#put(d, expected),
        publish: (type, d) => this.#publish(type, d),
        finish: (d, status, reason) => this.#finish(d, status, reason),
        newRecord: (agent, req, weight, last, to) => this.#newRecord(agent, req, weight, last, to),
        ticking: () => {
          this.#timer ??= this.#timers.every(() => void this.tick(), this.deps.tickMs ?? 100);
        },
      });
    }
  }

  /** One deployment, from any node. `404 NOT_FOUND` when the directory has none. */
  get(id: string): DeploymentView {
    return this.#view(this.#record(id));
  }

  /** Deployments, newest first, optionally of one agent. */
  list(opts: { agent?: string } = {}): DeploymentView[] {
    return listDeployments(this.deps.state(), opts).map((d) => this.#view(d));
  }

  /** Stops the ticks (deployments under way stay as the directory has them). */
  close(): void {
    this.#timers.clear(this.#timer);
    this.#timer = undefined;
  }

  /** Stops the ticks and the watch for deployments to carry on. */
  stop(): void {
    this.close();
    this.#timers.clear(this.#watcher);
    this.#watcher = undefined;
  }

  /** One decision step of every deployment under way here (the timer calls it). */
  async tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      for (const run of [...this.#runs.values()]) {
        await this.#step(run).catch((e) => this.#abandon(run, (e as Error).message));
      }
      await this.#rolling?.tick();
    } finally {
      this.#ticking = false;
      if (this.#runs.size === 0 && (this.#rolling?.runs.size ?? 0) === 0) this.close();
    }
  }

  /**
   * Ends the deployments this node had under way when it stopped: their second instance
   * (and the new version's component, held in memory) did not outlive the stop, and the
   * agent came back at the version it ran before. A canary or blue-green deployment is
   * rolled back, one of another strategy failed; each says why (`deployment.rolled_back` /
   * `deployment.failed`). The node calls it once its agents are restored; without it such
   * a deployment would stay `in_progress` with nothing carrying it on.
   */
  async recover(): Promise<void> {
    const self = this.deps.nodeId;
    for (const d of listDeployments(this.deps.state())) {
      if (d.status !== "in_progress" || d.node !== self || this.#runs.has(d.id)) continue;
      const type = (d.strategy as { type?: unknown }).type;
      const sideBySide = type === "canary" || type === "blue_green";
      // A rolling deployment's instances go back to the agent's version.
      if (type === "rolling" && this.deps.replicas?.placement(d.agent).some((p) => p.next)) {
        await this.deps.replicas.rollout(d.agent, undefined, []);
      }
      const record: DeploymentRecord = {
        ...this.#finish(
          d,
          sideBySide ? "rolled_back" : "failed",
          `node '${self}' stopped while the deployment was under way; the agent runs the ` +
            `version it ran before${d.from ? ` (${d.from.version})` : ""}`,
        ),
        weight: 0,
      };
      await this.#put(record, "in_progress");
      this.#publish(sideBySide ? "deployment.rolled_back" : "deployment.failed", record);
    }
  }

  /** The agent a deployment is about (for the access check). */
  agentOf(id: string): string {
    return this.#record(id).agent;
  }

  /** Starts a deployment and carries it out (see the module's notes on strategies). */
  async create(req: DeploymentRequest): Promise<DeploymentView> {
    const agent = this.deps.agents.get(req.agent);
    const type = req.strategy.type;
    if (
      (type === "canary" || type === "blue_green") &&
      (this.deps.replicas?.placement(agent.name).length ?? 0) > 1
    ) {
      throw new ApiError(
        "CONFLICT",
        `Agent '${agent.name}' runs as several instances: deploy it with strategy 'rolling', ` +
          `not '${type}' (or scale it to 1 first)`,
        { field: "strategy", strategy: type, agent: agent.name },
      );
    }
    const versions = listVersions(this.deps.state(), agent.name);
    const source = await this.#source(agent.name, versions, req);
    if (req.strategy.type === "canary" || req.strategy.type === "blue_green") {
      return await this.#startSideBySide(agent.name, versions, source, req);
    }
    if (
      req.strategy.type === "rolling" && this.#rolling &&
      (this.deps.replicas?.placement(agent.name).length ?? 0) > 1
    ) {
      const record = await this.#rolling.start(
        agent,
        versions,
        source,
        req,
        req.strategy.batch_size,
      );
      return this.#view(record);
    }
    const started = startDeployment(req.strategy, this.#now());
    let record = this.#newRecord(agent.name, req, 0, versions.at(-1));
    await this.#put(record);
    this.#publish("deployment.started", record);
    try {
      await this.deps.agents.update(agent.name, {
        bytes: source.bytes,
        config: source.config,
        publisherKeyId: source.publisherKeyId,
        deployedBy: req.by,
      });
    } catch (e) {
      record = this.#finish(record, "failed", (e as Error).message);
      await this.#put(record, "in_progress");
      this.#publish("deployment.failed", record);
      throw e;
    }
    const to = listVersions(this.deps.state(), agent.name).at(-1);
    record = {
      ...this.#finish(record, started.progress.status, undefined),
      weight: started.progress.weight,
      ...(to ? { to: ref(to) } : {}),
    };
    await this.#put(record, "in_progress");
    this.#publish("deployment.completed", record);
    return deploymentView(record);
  }

  /**
   * Rolls a deployment back: the agent goes back to the version before it, component and
   * config. `409 CONFLICT` naming the field when there is nothing to roll back to (no
   * earlier version, already rolled back), when a later version replaced it since, or when
   * it is another node's.
   */
  async rollback(id: string, by?: string): Promise<DeploymentView> {
    const run = this.#runs.get(id);
    if (run) {
      await this.#end(run, "rolled_back", "rollback requested");
      return this.#view(run.record);
    }
    const rolled = await this.#rolling?.rollback(id);
    if (rolled) return this.#view(rolled);
    const d = this.#record(id);
    if (d.node !== this.deps.nodeId) {
      throw new ApiError(
        "CONFLICT",
        `deployment '${id}' runs on node '${d.node}': roll it back there`,
        { field: "deployment_id", node: d.node },
      );
    }
    const versions = listVersions(this.deps.state(), d.agent);
    const previous = d.from && versions.find((v) => v.seq === d.from!.seq);
    const progress: DeploymentProgress = {
      status: d.status === "failed" ? "rolled_back" : d.status,
      stage: d.stage,
      stageStartedMs: Date.parse(d.stage_started_at),
      weight: d.weight,
      ...(d.reason === undefined ? {} : { reason: d.reason }),
    };
    const answer = requestRollback(progress, this.#now(), previous !== undefined);
    if (!answer.ok) {
      throw new ApiError(
        "CONFLICT",
        `deployment '${id}' cannot be rolled back: ${
          d.status === "failed" ? "it failed, nothing changed" : answer.reason
        }`,
        { field: d.status === "completed" ? "from_version" : "status", status: d.status },
      );
    }
    const latest = versions.at(-1);
    if (d.to && latest && latest.seq !== d.to.seq) {
      throw new ApiError(
        "CONFLICT",
        `agent '${d.agent}' is at version ${latest.version} (#${latest.seq}) since, not ` +
          `${d.to.version} (#${d.to.seq}): roll back the later deployment`,
        { field: "to_version", current: ref(latest) },
      );
    }
    if (answer.restorePrevious && previous) {
      const back = await this.#restore(d.agent, previous);
      await this.deps.agents.update(d.agent, { ...back, deployedBy: by });
    }
    const record: DeploymentRecord = {
      ...this.#finish(d, "rolled_back", answer.decision.progress.reason),
      weight: 0,
    };
    await this.#put(record, d.status);
    this.#publish("deployment.rolled_back", record);
    return deploymentView(record);
  }

  /**
   * Checks every `ms` (default 500) for rolling deployments of lost nodes to carry on (on
   * the Raft leader; see `RollingDeployments.carryOn`).
   */
  watch(ms = 500): void {
    if (!this.deps.replicas) return;
    this.#watcher ??= this.#timers.every(() => {
      void this.#rolling?.carryOn().catch(() => {});
    }, ms);
  }

  /** A canary or blue-green deployment: the new version starts beside the old one. */
  async #startSideBySide(
    agent: string,
    versions: readonly AgentVersion[],
    source: Run["source"],
    req: DeploymentRequest,
  ): Promise<DeploymentView> {
    const started = startDeployment(req.strategy, this.#now());
    const { version } = await this.deps.agents.startNext(agent, source, started.progress.weight);
    // The first stage runs from when the new version runs (starting it can take a while).
    started.progress.stageStartedMs = this.#now();
    const last = versions.at(-1);
    const record = this.#newRecord(agent, req, started.progress.weight, last, version);
    try {
      await this.#put(record);
    } catch (e) {
      await this.deps.agents.stopNext(agent);
      throw e;
    }
    const run: Run = {
      record,
      strategy: req.strategy,
      progress: started.progress,
      source: { ...source, config: { ...source.config, version } },
      ...(req.by === undefined ? {} : { by: req.by }),
    };
    this.#runs.set(record.id, run);
    this.#publish("deployment.started", record);
    this.#timer ??= this.#timers.every(() => void this.tick(), this.deps.tickMs ?? 100);
    return this.#view(record);
  }

  async #step(run: Run): Promise<void> {
    const stats = this.deps.agents.nextStats(run.record.agent);
    if (!stats) return await this.#abandon(run, "the new version's instance is gone");
    this.#metrics.set(run.record.id, this.#liveMetrics(run));
    const d = decide(run.strategy, run.progress, {
      nowMs: this.#now(),
      next: { handled: stats.next.handled, errors: stats.next.errors },
      nextReady: true,
    });
    if (d.actions.length === 0) return;
    run.progress = d.progress;
    const rollback = d.actions.find((a) => a.type === "rollback");
    const complete = d.actions.some((a) => a.type === "complete");
    const before = run.record.status;
    if (!rollback && !complete) {
      // The record (what this node shows) and the weight (what it routes by) change together.
      run.record = {
        ...run.record,
        stage: d.progress.stage,
        weight: d.progress.weight,
        stage_started_at: new Date(d.progress.stageStartedMs).toISOString(),
        updated_at: this.#iso(),
      };
    }
    for (const a of d.actions) {
      if (a.type === "set-weight") this.deps.agents.setNextWeight(run.record.agent, a.weight);
    }
    if (rollback) return await this.#end(run, "rolled_back", rollback.reason);
    if (complete) return await this.#end(run, "completed");
    await this.#put(run.record, before);
    this.#publish("deployment.stage", run.record);
  }

  /**
   * Ends a deployment under way: completed (the second instance stops and the agent is
   * updated to the new version: `AgentManager.completeNext`) or rolled back (the second
   * instance stops; what it wrote to the agent's storage stays).
   */
  async #end(run: Run, status: "completed" | "rolled_back", reason?: string): Promise<void> {
    this.#runs.delete(run.record.id);
    this.#metrics.set(run.record.id, this.#liveMetrics(run));
    const name = run.record.agent;
    if (status === "completed") {
      await this.deps.agents.completeNext(name, { ...run.source, deployedBy: run.by });
    } else {
      await this.deps.agents.stopNext(name);
    }
    const to = listVersions(this.deps.state(), name).at(-1);
    const record: DeploymentRecord = {
      ...this.#finish(run.record, status, reason),
      weight: status === "completed" ? 100 : 0,
      ...(status === "completed" && to ? { to: ref(to) } : {}),
    };
    await this.#put(record, "in_progress");
    run.record = record;
    this.#publish(
      status === "completed" ? "deployment.completed" : "deployment.rolled_back",
      record,
    );
  }

  /** A deployment that cannot go on (its agent went away, a step failed): it failed. */
  async #abandon(run: Run, why: string): Promise<void> {
    this.#runs.delete(run.record.id);
    await this.deps.agents.stopNext(run.record.agent).catch(() => {});
    const record = { ...this.#finish(run.record, "failed", why), weight: 0 };
    await this.#put(record, "in_progress").catch(() => {});
    run.record = record;
    this.#publish("deployment.failed", record);
  }

  #liveMetrics(run: Run): Record<string, VersionMetrics> {
    const stats = this.deps.agents.nextStats(run.record.agent);
    const last = this.#metrics.get(run.record.id) ?? {};
    if (!stats) return last;
    const out: Record<string, VersionMetrics> = {};
    if (run.record.from) out[run.record.from.version] = metricsOf(stats.stable);
    if (run.record.to) out[run.record.to.version] = metricsOf(stats.next);
    return out;
  }

  /**
   * The view of a deployment: of one under way here, as this node routes by it now (its
   * directory record follows within a commit), with live metrics.
   */
  #view(d: DeploymentRecord): DeploymentView {
    const rolling = this.#rolling?.runs.get(d.id);
    if (rolling) return deploymentView(rolling.record);
    const run = this.#runs.get(d.id);
    const metrics = run ? this.#liveMetrics(run) : this.#metrics.get(d.id);
    return { ...deploymentView(run?.record ?? d), ...(metrics ? { metrics } : {}) };
  }

  #record(id: string): DeploymentRecord {
    const d = getDeployment(this.deps.state(), id);
    if (!d) throw new ApiError("NOT_FOUND", `Deployment '${id}' not found`, { deployment_id: id });
    return d;
  }

  /** The component, config and signer a request deploys. */
  async #source(
    agent: string,
    versions: readonly AgentVersion[],
    req: DeploymentRequest,
  ): Promise<{ bytes: Uint8Array; config: UpdateConfig; publisherKeyId?: string }> {
    if (req.bytes) {
      return {
        bytes: req.bytes,
        config: { ...req.config, ...(req.version ? { version: req.version } : {}) },
        publisherKeyId: req.publisherKeyId,
      };
    }
    if (req.version === undefined) {
      throw new ApiError(
        "INVALID_REQUEST",
        "Give 'wasm_module' (a new component) or 'version' (a stored version of the agent)",
        { field: "wasm_module" },
      );
    }
    const wanted = req.version;
    const stored = versions.findLast((v) => v.version === wanted) ??
      (/^\d+$/.test(wanted) ? versions.find((v) => v.seq === Number(wanted)) : undefined);
    if (!stored) {
      throw new ApiError(
        "INVALID_REQUEST",
        `Agent '${agent}' has no stored version '${wanted}' (kept: ${
          versions.map((v) => v.version).join(", ") || "none"
        })`,
        { field: "version", version: wanted },
      );
    }
    const back = await this.#restore(agent, stored);
    return { ...back, config: { ...back.config, ...req.config } };
  }

  /** A stored version's component, config and signer. */
  async #restore(
    agent: string,
    v: AgentVersion,
  ): Promise<{ bytes: Uint8Array; config: UpdateConfig; publisherKeyId?: string }> {
    const bytes = await this.deps.components.original(v.component_hash.replace(/^sha256:/, ""));
    if (!bytes) {
      throw new ApiError(
        "CONFLICT",
        `The component of version ${v.version} of '${agent}' is not in this node's store`,
        { field: "version", component_hash: v.component_hash },
      );
    }
    const { publisher_key_id, ...config } = v.config as Record<string, unknown>;
    return {
      bytes,
      config: UpdateConfigSchema.parse({ ...config, version: v.version }),
      ...(typeof publisher_key_id === "string" ? { publisherKeyId: publisher_key_id } : {}),
    };
  }

  /** A new deployment of `agent` under way from `last` (to the version labelled `to`). */
  #newRecord(
    agent: string,
    req: Pick<DeploymentRequest, "strategy" | "by">,
    weight: number,
    last: AgentVersion | undefined,
    to?: string,
  ): DeploymentRecord {
    const at = this.#iso();
    return {
      id: `deploy_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`,
      agent,
      node: this.deps.nodeId,
      strategy: JSON.parse(JSON.stringify(req.strategy)),
      status: "in_progress",
      stage: 0,
      stage_started_at: at,
      weight,
      ...(last ? { from: ref(last) } : {}),
      ...(to === undefined ? {} : { to: { seq: (last?.seq ?? 0) + 1, version: to } }),
      ...(req.by === undefined ? {} : { deployed_by: req.by }),
      started_at: at,
      updated_at: at,
    };
  }

  #finish(
    d: DeploymentRecord,
    status: DeploymentRecord["status"],
    reason: string | undefined,
  ): DeploymentRecord {
    const at = this.#iso();
    const { reason: _old, ...rest } = d;
    return {
      ...rest,
      status,
      updated_at: at,
      ...(status === "in_progress" ? {} : { finished_at: at }),
      ...(reason === undefined ? {} : { reason }),
    };
  }

  async #put(d: DeploymentRecord, expected?: DeploymentRecord["status"]): Promise<void> {
    const r = await this.deps.propose({
      type: "deployment.put",
      deployment: d,
      ...(expected === undefined ? {} : { expected_status: expected }),
    });
    if (!r.ok) {
      throw new ApiError("CONFLICT", `Directory refused deployment '${d.id}': ${r.message}`, {
        field: "deployment_id",
        reason: r.reason,
      });
    }
  }

  #publish(type: string, d: DeploymentRecord): void {
    this.deps.events.publish({
      type,
      agent_id: d.agent,
      details: { ...deploymentView(d) },
    });
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }
}
