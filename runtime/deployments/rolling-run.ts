/**
 * The shell of a rolling deployment of a replicated agent: the new version's component is
 * stored here and named in the directory (`agent.set-replicas` with a `rollout`), the pure
 * {@link nextRollingStep} says which batch of instances runs it next (each batch healthy
 * before the next: running the new component, never failed or restarted), a failed new
 * instance rolls every instance back to the agent's version, and once every other instance
 * runs it the agent's own instance is updated (the version is recorded, which ends the
 * rollout in the directory). The deployment service calls {@link RollingRuns.step} at
 * each tick.
 * @module
 */
import type { AgentUpdate, UpdateConfig } from "../agents/mod.ts";
import type { DeploymentRecord, ReplicaPlacement } from "../directory/mod.ts";
import { ApiError } from "../errors/mod.ts";
import { nextRollingStep, type RollingInstance } from "./rolling.ts";

/** What a rolling deployment needs of the replicas (the node's `ReplicaHost`). */

/** What a rolling deployment hands the agent's own instance: a new component with its config. */
export type RollingUpdate = AgentUpdate & { bytes: Uint8Array; config: UpdateConfig };

export interface RollingReplicas {
  /** Where the instances of `name` run (empty: one instance). */
  placement(name: string): ReplicaPlacement[];
  /** Each instance's state, counts and component. */
  instances(name: string): Promise<
    {
      index: number;
      state: string;
      failed: number;
      restarts: number;
      component_hash?: string;
    }[]
  >;
  /** Has instances `indexes` run `next`; without `next`, all run the agent's version. */
  rollout(
    name: string,
    next: { component_hash: string; config: Record<string, unknown> } | undefined,
    indexes: readonly number[],
  ): Promise<void>;
  /** The index of the agent's own instance (not a replica), if it is placed. */
  ownIndex(name: string): number | undefined;
  /**
   * Sends component `hash` (stored here) to every node that runs an instance of `name`, so
   * that each can start the new version, and carry the deployment on, without this node.
   */
  share(name: string, hash: string): Promise<void>;
  /** Whether this node carries on the deployments of lost nodes (the Raft leader). */
  carrier(): boolean;
  /** Whether `node` is lost (the leader's failure detection). */
  lost(node: string): boolean;
  /** The rolling deployment's version an agent's instances are taking, if any. */
  rolloutOf(name: string): { component_hash: string; config: Record<string, unknown> } | undefined;
}

/** One rolling deployment under way on this node. */
export interface RollingRun {
  record: DeploymentRecord;
  batchSize: number;
  /** Time between two batches, ms. */
  pauseMs: number;
  /** The new version: its component (stored on a node that runs it) and config. */
  next: { component_hash: string; config: Record<string, unknown> };
  /**
   * What updates the agent's own instance at the end. Absent when another node carries the
   * deployment on (the node that started it was lost): the version is then recorded in the
   * directory only.
   */
  source?: { bytes: Uint8Array; config: UpdateConfig; publisherKeyId?: string };
  by?: string;
}

/** What a step did. */
export type RollingOutcome =
  | { type: "none" }
  | { type: "stage"; record: DeploymentRecord }
  | { type: "end"; status: "completed" | "rolled_back"; reason?: string };

/** Carries rolling deployments out. */
export class RollingRuns {
  constructor(
    readonly replicas: RollingReplicas,
    readonly update: (
      name: string,
      change: RollingUpdate,
    ) => Promise<unknown>,
    readonly now: () => number,
    /** Records `next` as the agent's version in the directory (a carried-on deployment). */
    readonly record: (name: string, run: RollingRun) => Promise<unknown>,
  ) {}

  /** The instances of `run`'s agent as the pure machine sees them (the agent's own left out). */
  async view(run: RollingRun): Promise<RollingInstance[]> {
    const name = run.record.agent;
    const placed = this.replicas.placement(name);
    if (placed.length < 2) {
      throw new ApiError("CONFLICT", `Agent '${name}' no longer runs as several instances`, {
        agent: name,
      });
    }
    const own = this.replicas.ownIndex(name);
    const stats = await this.replicas.instances(name);
    return placed.filter((p) => p.index !== own).map((p) => {
      const s = stats.find((x) => x.index === p.index);
      let state: RollingInstance["state"] = "running";
      if (p.next) {
        const onIt = s?.component_hash === run.next.component_hash;
        state = !onIt
          ? "starting"
          : s!.failed > 0 || s!.restarts > 0 || s!.state === "failed"
          ? "failed"
          : s!.state === "running"
          ? "running"
          : "starting";
      }
      return { id: String(p.index).padStart(2, "0"), version: p.next ? "new" : "old", state };
    });
  }

  /** One step of `run`: the next batch, a wait, the rollback or the completion. */
  async step(run: RollingRun): Promise<RollingOutcome> {
    const name = run.record.agent;
    const instances = await this.view(run);
    const step = nextRollingStep(run.batchSize, instances, {
      pauseMs: run.pauseMs,
      lastBatchMs: Date.parse(run.record.stage_started_at),
      nowMs: this.now(),
    });
    switch (step.type) {
      case "wait":
        return { type: "none" };
      case "replace": {
        const indexes = [
          ...instances.filter((i) => i.version === "new").map((i) => Number(i.id)),
          ...step.ids.map(Number),
        ];
        await this.replicas.rollout(name, run.next, indexes);
        const total = this.replicas.placement(name).length;
        const at = new Date(this.now()).toISOString();
        run.record = {
          ...run.record,
          stage: run.record.stage + 1,
          stage_started_at: at,
          updated_at: at,
          weight: Math.round((indexes.length / total) * 100),
        };
        return { type: "stage", record: run.record };
      }
      case "rollback":
        await this.replicas.rollout(name, undefined, []);
        return { type: "end", status: "rolled_back", reason: step.reason };
      case "complete":
        if (run.source) await this.update(name, { ...run.source, deployedBy: run.by });
        else await this.record(name, run);
        return { type: "end", status: "completed" };
    }
  }
}
