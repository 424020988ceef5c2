import { z } from "zod";
import { AgentNameSchema } from "../acl/mod.ts";
import {
  ComponentHashSchema,
  InstantSchema,
  LifecycleStateSchema,
  ManifestSummarySchema,
  MAX_REPLICAS,
  NodeIdSchema,
  ReplicaPlacementSchema,
} from "./agent-record.ts";
import { DfAgentDescriptionSchema } from "./df-description.ts";
import { VersionConfigSchema, VersionLabelSchema } from "./agent-version.ts";
import { DeploymentRecordSchema } from "./deployment-record.ts";
import { MEMBER_ROLES, MemberSchema, PublicKeySchema } from "./member.ts";

/**
 * What `agent.register` records as the agent's first version (the rest of it, component and
 * manifest summary, node and time, is the registration's own).
 */
export const FirstVersionSchema = z.strictObject({
  version: VersionLabelSchema.optional(),
  config: VersionConfigSchema,
  deployment_id: z.string().min(1).max(128),
  deployed_by: z.string().min(1).max(256).optional(),
});

/**
 * Register a hosted agent on a node. Fails `already-registered`; fails `unsupported-value`
 * when cluster members are known and `node` is not one of them (the same holds for the
 * target of `agent.move`). With `first_version`, the same commit records the agent's next
 * version as `agent.record-version` would (a deploy: one commit, not two).
 */
export const AgentRegisterSchema = z.strictObject({
  type: z.literal("agent.register"),
  name: AgentNameSchema,
  node: NodeIdSchema,
  state: LifecycleStateSchema,
  manifest: ManifestSummarySchema,
  component_hash: ComponentHashSchema,
  owner: z.string().min(1).max(256).optional(),
  first_version: FirstVersionSchema.optional(),
  at: InstantSchema,
});

/**
 * Change an agent's lifecycle state. With `expected_state` the change only happens from
 * that state (fails `stale-state` otherwise). Fails `not-registered`.
 */
export const AgentSetStateSchema = z.strictObject({
  type: z.literal("agent.set-state"),
  name: AgentNameSchema,
  state: LifecycleStateSchema,
  expected_state: LifecycleStateSchema.optional(),
  at: InstantSchema,
});

/**
 * Move an agent to another node: the single point where ownership changes. Refused with
 * `stale-location` unless the agent is currently on `from_node`; `state` (default: keep)
 * is the state it has on arrival. Fails `not-registered`.
 */
export const AgentMoveSchema = z.strictObject({
  type: z.literal("agent.move"),
  name: AgentNameSchema,
  from_node: NodeIdSchema,
  to_node: NodeIdSchema,
  state: LifecycleStateSchema.optional(),
  at: InstantSchema,
});

/**
 * Remove an agent. Unless `keep_services` is true, its DF registration (if any) goes too.
 * With `node`, only if the agent lives on that node (a node removes only its own agents).
 * Fails `not-registered`, or `stale-location` when it lives on another node.
 */
export const AgentDeregisterSchema = z.strictObject({
  type: z.literal("agent.deregister"),
  name: AgentNameSchema,
  node: NodeIdSchema.optional(),
  keep_services: z.boolean().optional(),
  at: InstantSchema,
});

/**
 * Record a new version of an agent: a deploy or an update that took effect on `node`. The
 * agent's record takes the version's component hash and manifest; the version is kept (at
 * most `MAX_AGENT_VERSIONS` per name) with the next sequence number, labelled `version` or
 * `v<seq>` when absent. Fails `not-registered`, or `stale-location` when the agent lives on
 * another node.
 */
export const AgentRecordVersionSchema = z.strictObject({
  type: z.literal("agent.record-version"),
  name: AgentNameSchema,
  node: NodeIdSchema,
  version: VersionLabelSchema.optional(),
  component_hash: ComponentHashSchema,
  manifest: ManifestSummarySchema,
  config: VersionConfigSchema,
  deployment_id: z.string().min(1).max(128),
  deployed_by: z.string().min(1).max(256).optional(),
  at: InstantSchema,
});

/**
 * Set where the instances of a stateless agent run: `instances` (index 0 to n - 1, each
 * once). One instance clears the placement (the agent runs as itself on its node). With
 * `rollout` (a rolling deployment's version) the instances marked `next` run it; without,
 * none does. Fails `not-registered`; `unsupported-value` when a node is not a member or an
 * index is missing.
 */
export const AgentSetReplicasSchema = z.strictObject({
  type: z.literal("agent.set-replicas"),
  name: AgentNameSchema,
  instances: z.array(ReplicaPlacementSchema).min(1).max(MAX_REPLICAS),
  rollout: z.strictObject({
    component_hash: ComponentHashSchema,
    config: VersionConfigSchema,
  }).optional(),
  at: InstantSchema,
});

/**
 * Create or replace a deployment. With `expected_status` it only replaces one in that
 * status (fails `stale-state` otherwise, `not-registered` when there is none): two nodes
 * never both move one deployment on. Keeps at most `MAX_DEPLOYMENTS`, the oldest go first.
 */
export const DeploymentPutSchema = z.strictObject({
  type: z.literal("deployment.put"),
  deployment: DeploymentRecordSchema,
  expected_status: DeploymentRecordSchema.shape.status.optional(),
});

/** Register a DF description. Fails `already-registered`. */
export const DfRegisterSchema = z.strictObject({
  type: z.literal("df.register"),
  description: DfAgentDescriptionSchema,
  at: InstantSchema,
});

/** Replace an existing DF description (FIPA `modify`). Fails `not-registered`. */
export const DfModifySchema = z.strictObject({
  type: z.literal("df.modify"),
  description: DfAgentDescriptionSchema,
  at: InstantSchema,
});

/** Remove a DF description by agent name. Fails `not-registered`. */
export const DfDeregisterSchema = z.strictObject({
  type: z.literal("df.deregister"),
  name: AgentNameSchema,
  at: InstantSchema,
});

/** Remove every DF registration whose lease ended at or before `at`. Never fails. */
export const DfExpireSchema = z.strictObject({
  type: z.literal("df.expire"),
  at: InstantSchema,
});

/** Add a cluster member. Fails `already-registered`. */
export const MemberAddSchema = z.strictObject({
  type: z.literal("member.add"),
  member: MemberSchema,
});

/** Change a member's addresses, key or role. Fails `not-registered`, or `unsupported-value`
 * when it would leave the cluster without a voter. */
export const MemberUpdateSchema = z.strictObject({
  type: z.literal("member.update"),
  id: NodeIdSchema,
  addresses: z.array(z.string().min(1).max(1024)).max(32).optional(),
  public_key: PublicKeySchema.optional(),
  role: z.enum(MEMBER_ROLES).optional(),
});

/** Remove a member. Fails `not-registered`, or `unsupported-value` for the last voter. */
export const MemberRemoveSchema = z.strictObject({
  type: z.literal("member.remove"),
  id: NodeIdSchema,
});

/**
 * Schema of a directory command: what Raft replicates. Validate every command that crosses
 * a trust boundary (HTTP, libp2p, the Raft log read back) with it before {@link apply}.
 *
 * @example
 * ```ts
 * const cmd = DirectoryCommandSchema.parse({
 *   type: "df.deregister", name: "seller@node-a", at: "2026-01-01T00:00:00Z",
 * });
 * ```
 */
export const DirectoryCommandSchema = z.discriminatedUnion("type", [
  AgentRegisterSchema,
  AgentSetStateSchema,
  AgentMoveSchema,
  AgentDeregisterSchema,
  AgentRecordVersionSchema,
  AgentSetReplicasSchema,
  DeploymentPutSchema,
  DfRegisterSchema,
  DfModifySchema,
  DfDeregisterSchema,
  DfExpireSchema,
  MemberAddSchema,
  MemberUpdateSchema,
  MemberRemoveSchema,
]);

/** A directory command (JSON-serializable; every timestamp is carried, never read). */
export type DirectoryCommand = z.output<typeof DirectoryCommandSchema>;

/** The `type` tag of a {@link DirectoryCommand}. */
export type DirectoryCommandType = DirectoryCommand["type"];

/**
 * Validates an untrusted value as a directory command.
 *
 * @throws {z.ZodError} naming the offending field.
 */
export function parseDirectoryCommand(value: unknown): DirectoryCommand {
  return DirectoryCommandSchema.parse(value);
}

/**
 * A client request id: names one logical request, the same across every retry of it, so
 * that the directory applies it once (see {@link DirectoryProposalSchema}).
 */
export const RequestIdSchema = z.string().min(1).max(200);

/**
 * What a client proposes through Raft: a command and the id of the request that carries it.
 * The directory remembers the outcome of recent ids (in its snapshot too), so a retried
 * proposal gets the first outcome and is never applied twice (the Raft dissertation's
 * client sessions, §6.3).
 */
export const DirectoryProposalSchema = z.strictObject({
  request_id: RequestIdSchema,
  command: DirectoryCommandSchema,
});

/** A directory command with its client request id. */
export type DirectoryProposal = z.output<typeof DirectoryProposalSchema>;
