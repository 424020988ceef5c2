import { z } from "zod";
import { AgentNameSchema } from "../acl/mod.ts";
import { InstantSchema, NodeIdSchema } from "./agent-record.ts";
import { VersionConfigSchema, VersionLabelSchema } from "./agent-version.ts";

/** How many deployments the directory keeps (the oldest go first). */
export const MAX_DEPLOYMENTS = 500;

/** Where a deployment is: under way, done, rolled back (by itself or on request), failed. */
export const DEPLOYMENT_STATUSES = ["in_progress", "completed", "rolled_back", "failed"] as const;

/** A deployment id: `deploy_` and letters, digits, `_` or `-`. */
export const DeploymentIdSchema = z.string().regex(
  /^deploy_[A-Za-z0-9_-]{1,64}$/,
  "a deployment id is deploy_ and 1-64 of [A-Za-z0-9_-]",
);

/** One version a deployment moves from or to. */
const VersionRefSchema = z.strictObject({
  seq: z.number().int().min(1),
  version: VersionLabelSchema,
});

/**
 * A deployment as the directory keeps it, so that every node answers for it and another
 * node can carry it on: the agent, the node that runs it, the strategy (as validated,
 * durations in ms), where it stands (status, stage, the new version's weight in percent),
 * the versions it moves between, why it was rolled back or failed, and who started it.
 */
export const DeploymentRecordSchema = z.strictObject({
  id: DeploymentIdSchema,
  agent: AgentNameSchema,
  node: NodeIdSchema,
  strategy: VersionConfigSchema,
  status: z.enum(DEPLOYMENT_STATUSES),
  stage: z.number().int().min(0),
  stage_started_at: InstantSchema,
  weight: z.number().min(0).max(100),
  from: VersionRefSchema.optional(),
  to: VersionRefSchema.optional(),
  reason: z.string().max(1024).optional(),
  deployed_by: z.string().min(1).max(256).optional(),
  started_at: InstantSchema,
  updated_at: InstantSchema,
  finished_at: InstantSchema.optional(),
});

/** One deployment (see {@link DeploymentRecordSchema}). */
export type DeploymentRecord = z.output<typeof DeploymentRecordSchema>;
