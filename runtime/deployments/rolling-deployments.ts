/**
 * Rolling deployments of replicated agents on one node: starting them, one step of each at
 * the deployment service's tick ({@link RollingRuns}), ending them, and carrying on, on the
 * Raft leader, those whose node was lost (their state is in the directory). The deployment
 * service owns the records' writes and events and hands them over as {@link RollingHost}.
 * @module
 */
import {
  type AgentVersion,
  type ApplyResult,
  type DeploymentRecord,
  type DirectoryCommand,
  type DirectoryState,
  getAgent,
  listDeployments,
  listVersions,
} from "../directory/mod.ts";
import { ApiError } from "../errors/mod.ts";
import {
  type RollingReplicas,
  type RollingRun,
  RollingRuns,
  type RollingUpdate,
} from "./rolling-run.ts";
import type { Strategy } from "./strategy.ts";

/** What rolling deployments need from the deployment service and the node. */
export interface RollingHost {
  nodeId: string;
  state(): DirectoryState;
  propose(cmd: DirectoryCommand): Promise<ApplyResult>;
  replicas: RollingReplicas;
  components: { load?(bytes: Uint8Array): Promise<{ hash: string }> };
  /** Updates the agent's own instance (on its node). */
  update(
    name: string,
    change: RollingUpdate,
  ): Promise<unknown>;
  now(): number;
  /** Writes a deployment record (`deployment.put`, only from `expected` when given). */
  put(d: DeploymentRecord, expected?: DeploymentRecord["status"]): Promise<void>;
  publish(type: string, d: DeploymentRecord): void;
  /** The record ended (or not) with `status` and `reason`. */
  finish(
    d: DeploymentRecord,
    status: DeploymentRecord["status"],
    reason: string | undefined,
  ): DeploymentRecord;
  /** A new record of a deployment under way. */
  newRecord(
    agent: string,
    req: { strategy: Strategy; by?: string },
    weight: number,
    last: AgentVersion | undefined,
    to?: string,
  ): DeploymentRecord;
  /** Makes sure the service's ticks run. */
  ticking(): void;
}

const ref = (v: AgentVersion) => ({ seq: v.seq, version: v.version });

/** The rolling deployments this node carries out. */
export class RollingDeployments {
  /** Those under way here, by id. */
  readonly runs = new Map<string, RollingRun>();
  readonly #roller: RollingRuns;

  constructor(readonly host: RollingHost) {
    this.#roller = new RollingRuns(
      host.replicas,
      (name, change) => host.update(name, change),
      () => host.now(),
      (name, run) => this.#recordVersion(name, run),
    );
  }

  /** One step of each (the service's tick): refused for good, it failed; else tried again. */
  async tick(): Promise<void> {
    for (const run of [...this.runs.values()]) {
      await this.#step(run).catch((e) => {
        // Refused for good (the agent went, the directory refused a step): it failed;
        // anything else (a leader election, a node asked for counts not answering) is
        // tried again at the next tick.
        const final = e instanceof ApiError && ["CONFLICT", "AGENT_NOT_FOUND"].includes(e.code);
        if (final) return this.end(run, "failed", (e as Error).message);
      });
    }
  }

  /** Rolls back the one under way here with id `id`; its record, or undefined. */
  async rollback(id: string): Promise<DeploymentRecord | undefined> {
    const run = this.runs.get(id);
    if (!run) return undefined;
    await this.host.replicas.rollout(run.record.agent, undefined, []);
    await this.end(run, "rolled_back", "rollback requested");
    return run.record;
  }

  /**
   * Starts a rolling deployment of a replicated agent: the new component is stored here and
   * sent to every instance's node, and its instances take it in batches of `batchSize`.
   */
  async start(
    agent: { name: string; manifest: Record<string, unknown>; resource_limits: unknown },
    versions: readonly AgentVersion[],
    source: NonNullable<RollingRun["source"]>,
    req: { strategy: Strategy; by?: string },
    batchSize: number,
  ): Promise<DeploymentRecord> {
    const { components } = this.host;
    if (!components.load) throw new ApiError("CONFLICT", "This node cannot store components", {});
    const manifest = source.config.manifest ?? agent.manifest;
    if ((manifest as { stateless?: boolean }).stateless !== true) {
      throw new ApiError(
        "CONFLICT",
        `A rolling deployment of '${agent.name}' brings a version that is not stateless: ` +
          "its instances could not run it (set config.manifest.stateless)",
        { field: "config.manifest.stateless", agent: agent.name },
      );
    }
    const { hash } = await components.load(source.bytes);
    // Every node that runs an instance gets the component first (and can carry it on).
    await this.host.replicas.share(agent.name, hash);
    const last = versions.at(-1);
    const label = source.config.version ?? `v${(last?.seq ?? 0) + 1}`;
    const record = this.host.newRecord(agent.name, req, 0, last, label);
    await this.host.put(record);
    const run: RollingRun = {
      record,
      batchSize,
      pauseMs: (req.strategy as { pause?: number }).pause ?? 0,
      next: {
        component_hash: hash,
        config: JSON.parse(JSON.stringify({
          manifest,
          limits: source.config.limits ?? agent.resource_limits,
          version: label,
        })),
      },
      source: { ...source, config: { ...source.config, version: label } },
      ...(req.by === undefined ? {} : { by: req.by }),
    };
    this.runs.set(record.id, run);
    this.host.publish("deployment.started", record);
    this.host.ticking();
    return record;
  }

  /**
   * Carries on, on the Raft leader, the rolling deployments whose node was lost: the
   * deployment becomes this node's (`deployment.put`, only while it is still in progress),
   * its state is in the directory (the record, the strategy, the agent's `rollout` and
   * which instances run it), and the batches go on; the version is recorded in the
   * directory at the end. One lost before its first batch (the new component was only on
   * that node) fails. The service calls it periodically (`DeploymentService.watch`).
   */
  async carryOn(): Promise<void> {
    const { replicas } = this.host;
    if (!replicas.carrier()) return;
    const self = this.host.nodeId;
    for (const d of listDeployments(this.host.state())) {
      if (d.status !== "in_progress" || d.node === self || this.runs.has(d.id)) continue;
      const strategy = d.strategy as { type?: string; batch_size?: number; pause?: number };
      if (strategy.type !== "rolling" || !replicas.lost(d.node)) continue;
      const at = new Date(this.host.now()).toISOString();
      const next = replicas.rolloutOf(d.agent);
      const record: DeploymentRecord = {
        ...d,
        node: self,
        updated_at: at,
        reason: `carried on by node '${self}': node '${d.node}' was lost`,
      };
      const run: RollingRun = {
        record,
        batchSize: strategy.batch_size ?? 1,
        pauseMs: strategy.pause ?? 0,
        next: next ?? { component_hash: "none", config: {} },
        ...(d.deployed_by === undefined ? {} : { by: d.deployed_by }),
      };
      try {
        await this.host.put(record, "in_progress");
      } catch {
        continue; // it ended meanwhile
      }
      this.runs.set(d.id, run);
      this.host.publish("deployment.carried_on", record);
      if (!next) {
        await this.end(
          run,
          "failed",
          `node '${d.node}' was lost before the first batch; the agent runs the version it ran before`,
        );
        continue;
      }
      this.host.ticking();
    }
  }

  /** Records a carried-on rolling deployment's version in the directory. */
  async #recordVersion(name: string, run: RollingRun): Promise<void> {
    const rec = getAgent(this.host.state(), name);
    if (!rec) throw new ApiError("AGENT_NOT_FOUND", `Agent '${name}' not found`, { agent: name });
    const res = await this.host.propose({
      type: "agent.record-version",
      name,
      node: rec.node,
      ...(run.record.to ? { version: run.record.to.version } : {}),
      component_hash: run.next.component_hash,
      manifest: { ...rec.manifest, version: run.record.to?.version, stateless: true },
      config: run.next.config,
      deployment_id: run.record.id,
      ...(run.by === undefined ? {} : { deployed_by: run.by }),
      at: new Date(this.host.now()).toISOString(),
    });
    if (!res.ok) {
      throw new ApiError(
        "CONFLICT",
        `The directory refused the version of '${name}': ${res.message}`,
        {
          agent: name,
        },
      );
    }
  }

  async #step(run: RollingRun): Promise<void> {
    const before = run.record.status;
    const out = await this.#roller.step(run);
    if (out.type === "stage") {
      await this.host.put(out.record, before);
      this.host.publish("deployment.stage", out.record);
    } else if (out.type === "end") await this.end(run, out.status, out.reason);
  }

  async end(
    run: RollingRun,
    status: "completed" | "rolled_back" | "failed",
    reason?: string,
  ): Promise<void> {
    if (!this.runs.delete(run.record.id)) return;
    if (status === "failed") {
      await this.host.replicas.rollout(run.record.agent, undefined, []).catch(() => {});
    }
    const to = listVersions(this.host.state(), run.record.agent).at(-1);
    // A carried-on deployment keeps saying so.
    const why = reason ?? (run.source ? undefined : run.record.reason);
    const record: DeploymentRecord = {
      ...this.host.finish(run.record, status, why),
      weight: status === "completed" ? 100 : 0,
      ...(status === "completed" && to ? { to: ref(to) } : {}),
    };
    run.record = record;
    await this.host.put(record, "in_progress").catch(() => {});
    this.host.publish(
      status === "completed"
        ? "deployment.completed"
        : status === "failed"
        ? "deployment.failed"
        : "deployment.rolled_back",
      record,
    );
  }
}
