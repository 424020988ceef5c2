/**
 * What nodes ask each other about replicas (`REPLICA_PROTOCOL`), zod-validated: the counts
 * of the instances a node runs of an agent, and a component a node lacks (the node that has
 * it sends it with the migration protocol's component transfer).
 * @module
 */
import { z } from "zod";
import { AgentNameSchema } from "../acl/mod.ts";
import { ComponentHashSchema, MAX_REPLICAS } from "../directory/mod.ts";

/** A request of the replica protocol. */
export const ReplicaRequestSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("stats"), agent: AgentNameSchema }),
  z.strictObject({ type: z.literal("component"), hash: ComponentHashSchema }),
]);

/** A request of the replica protocol. */
export type ReplicaRequest = z.output<typeof ReplicaRequestSchema>;

/** The states one instance may be in. */
export const INSTANCE_STATES = ["starting", "running", "failed", "unreachable"] as const;

/** What one node says of one instance it runs. */
export const InstanceStatsSchema = z.strictObject({
  index: z.number().int().min(0).max(MAX_REPLICAS - 1),
  node: z.string().min(1).max(256),
  state: z.enum(INSTANCE_STATES),
  /** Messages it handled since it was placed there. */
  handled: z.number().int().min(0),
  /** Messages it failed on. */
  failed: z.number().int().min(0),
  /** Times it was replaced after a failure. */
  restarts: z.number().int().min(0),
  /** The component it runs. */
  component_hash: ComponentHashSchema.optional(),
}).meta({ id: "AgentInstance" });

/** One instance's figures. */
export type InstanceStats = z.output<typeof InstanceStatsSchema>;

/** The answer to `stats`. */
export const StatsAnswerSchema = z.strictObject({ instances: z.array(InstanceStatsSchema) });

/** The answer to `component`. */
export const ComponentAnswerSchema = z.strictObject({ sent: z.boolean() });
