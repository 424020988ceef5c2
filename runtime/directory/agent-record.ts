import { z } from "zod";
import { AgentNameSchema } from "../acl/mod.ts";

/**
 * Lifecycle states of a hosted agent: the Caxton states (`seeds/003`, "Agent Lifecycle
 * States") plus `hibernated` (snapshotted while idle) and `migrating` (moving between nodes).
 */
export const LIFECYCLE_STATES = [
  "unloaded",
  "loaded",
  "running",
  "draining",
  "stopped",
  "failed",
  "hibernated",
  "migrating",
] as const;

/** One lifecycle state, e.g. `"running"`. */
export type LifecycleState = typeof LIFECYCLE_STATES[number];

/** Schema of a lifecycle state. */
export const LifecycleStateSchema = z.enum(LIFECYCLE_STATES);

/** A node id: what the cluster calls one member (no whitespace, at most 256 characters). */
export const NodeIdSchema = z
  .string()
  .min(1, "node id must not be empty")
  .max(256)
  .regex(/^[^\s()]+$/, "node id must not contain whitespace or parentheses");

/** A component hash, e.g. `sha256:` followed by 64 hex digits, or bare hex. */
export const ComponentHashSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9:_+/=.-]{8,200}$/,
    "component hash must be 8-200 characters of [A-Za-z0-9:_+/=.-]",
  );

/** An ISO 8601 instant with a zone designator; commands carry their own time. */
export const InstantSchema = z.iso.datetime({ offset: true });

/**
 * What the directory keeps of an agent's manifest: enough to list and place agents, not
 * the whole manifest (which travels with the component).
 */
export const ManifestSummarySchema = z.strictObject({
  version: z.string().min(1).max(128).optional(),
  description: z.string().max(1024).optional(),
  /** Host capabilities the manifest grants (e.g. `messaging`, `storage`). */
  capabilities: z.array(z.string().min(1).max(128)).max(64).default([]),
  /** Numeric limits by name (e.g. `memory_bytes`, `fuel`). */
  limits: z.record(z.string().min(1).max(64), z.number().finite().nonnegative()).default({}),
  /** The manifest's `stateless` flag: the agent may run as several instances (replicas). */
  stateless: z.boolean().optional(),
});

/** A summary of an agent's manifest. */
export type ManifestSummary = z.output<typeof ManifestSummarySchema>;

/** Most instances (replicas) one stateless agent may run as. */
export const MAX_REPLICAS = 16;

/**
 * Where one instance (replica) of a stateless agent runs: its index (0 to
 * {@link MAX_REPLICAS} - 1, stable while the agent keeps that many) and its node.
 */
export const ReplicaPlacementSchema = z.strictObject({
  index: z.number().int().min(0).max(MAX_REPLICAS - 1),
  node: NodeIdSchema,
  /** It runs the version a rolling deployment brings (the agent's `rollout`). */
  next: z.literal(true).optional(),
});

/** One instance's place (see {@link ReplicaPlacementSchema}). */
export type ReplicaPlacement = z.output<typeof ReplicaPlacementSchema>;

/**
 * The version a rolling deployment of a replicated agent brings, before it is recorded:
 * its component and its config (manifest and limits, as a version's config).
 */
export const RolloutSchema = z.strictObject({
  component_hash: ComponentHashSchema,
  config: z.record(z.string().min(1).max(64), z.unknown()),
});

/** A rolling deployment's version (see {@link RolloutSchema}). */
export type Rollout = z.output<typeof RolloutSchema>;

/** One hosted agent as the AMS side of the directory knows it. */
export interface AgentRecord {
  /** Unique agent name, `local@node`-style. */
  name: string;
  /** The node that hosts (owns) the agent. */
  node: string;
  state: LifecycleState;
  manifest: ManifestSummary;
  component_hash: string;
  /** Who deployed it (the AMS `ownership`), when known. */
  owner?: string;
  /**
   * A stateless agent running as several instances: where each runs (index order). Absent:
   * one instance, the agent's own on `node`.
   */
  instances?: ReplicaPlacement[];
  /** The version a rolling deployment brings, run by the instances marked `next`. */
  rollout?: Rollout;
  /** When the agent was registered (from the command). */
  registered_at: string;
  /** When the record last changed (from the command). */
  updated_at: string;
}

/** Schema of an {@link AgentRecord} (used when restoring snapshots). */
export const AgentRecordSchema = z.strictObject({
  name: AgentNameSchema,
  node: NodeIdSchema,
  state: LifecycleStateSchema,
  manifest: ManifestSummarySchema,
  component_hash: ComponentHashSchema,
  owner: z.string().min(1).max(256).optional(),
  instances: z.array(ReplicaPlacementSchema).min(2).max(MAX_REPLICAS).optional(),
  rollout: RolloutSchema.optional(),
  registered_at: InstantSchema,
  updated_at: InstantSchema,
});
