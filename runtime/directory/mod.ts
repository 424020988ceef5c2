/**
 * The replicated directory: the state machine Raft replicates. It holds hosted agents (the
 * AMS side: name → node, lifecycle state, manifest summary, component hash), DF
 * registrations (FIPA `df-agent-description`s, the service registry) and cluster members
 * (id, addresses, Ed25519 public key, Raft role).
 *
 * Pure and deterministic: {@link apply} is a function of the state and a
 * {@link DirectoryCommand} (commands carry their timestamps); {@link applyOnce} applies a
 * {@link DirectoryProposal} (a command with its client request id) at most once, answering
 * retries with the remembered outcome; {@link snapshot} gives canonical bytes and
 * {@link restore} reads them back.
 *
 * @example
 * ```ts
 * const state = createDirectoryState();
 * apply(state, {
 *   type: "df.register",
 *   description: dfAgentDescription(aid("seller@node-a"), {
 *     services: [serviceDescription({ name: "books", type: "selling" })],
 *   }),
 *   at: "2026-01-01T00:00:00Z",
 * });
 * searchServices(state, dfTemplate({ services: [serviceDescription({ type: "selling" })] }));
 * ```
 * @module
 */
export {
  type AgentRecord,
  AgentRecordSchema,
  ComponentHashSchema,
  InstantSchema,
  LIFECYCLE_STATES,
  type LifecycleState,
  LifecycleStateSchema,
  type ManifestSummary,
  ManifestSummarySchema,
  MAX_REPLICAS,
  NodeIdSchema,
  type ReplicaPlacement,
  ReplicaPlacementSchema,
  type Rollout,
  RolloutSchema,
} from "./agent-record.ts";
export {
  type AgentVersion,
  AgentVersionSchema,
  MAX_AGENT_VERSIONS,
  MAX_VERSION_CONFIG_CHARS,
  VersionConfigSchema,
  VersionLabelSchema,
} from "./agent-version.ts";
export {
  DEPLOYMENT_STATUSES,
  DeploymentIdSchema,
  type DeploymentRecord,
  DeploymentRecordSchema,
  MAX_DEPLOYMENTS,
} from "./deployment-record.ts";
export {
  type DfAgentDescription,
  dfAgentDescription,
  DfAgentDescriptionSchema,
  type DfTemplate,
  dfTemplate,
  DfTemplateSchema,
  type Property,
  PropertySchema,
  type PropertyValue,
  PropertyValueSchema,
  type ServiceDescription,
  serviceDescription,
  ServiceDescriptionSchema,
} from "./df-description.ts";
export {
  isEd25519PublicKeyBase64,
  type Member,
  MEMBER_ROLES,
  type MemberRole,
  MemberSchema,
  PublicKeySchema,
} from "./member.ts";
export {
  AgentDeregisterSchema,
  AgentMoveSchema,
  AgentRecordVersionSchema,
  AgentRegisterSchema,
  AgentSetReplicasSchema,
  AgentSetStateSchema,
  DeploymentPutSchema,
  DfDeregisterSchema,
  DfExpireSchema,
  DfModifySchema,
  DfRegisterSchema,
  type DirectoryCommand,
  DirectoryCommandSchema,
  type DirectoryCommandType,
  type DirectoryProposal,
  DirectoryProposalSchema,
  MemberAddSchema,
  MemberRemoveSchema,
  MemberUpdateSchema,
  parseDirectoryCommand,
  RequestIdSchema,
} from "./commands.ts";
export {
  type ApplyFailure,
  type ApplyOk,
  type ApplyResult,
  DIRECTORY_FAILURE_REASONS,
  type DirectoryEvent,
  type DirectoryFailureReason,
  type RememberedOutcome,
} from "./results.ts";
export { isCanonicalProposal } from "./proposal-fast.ts";
export { createDirectoryState, type DirectoryState } from "./state.ts";
export { apply, type ApplyOptions } from "./apply.ts";
export { applyOnce, MAX_REMEMBERED_REQUESTS } from "./sessions.ts";
export {
  compileDfTemplate,
  isSubsetIgnoringCase,
  matchesDfTemplate,
  matchesServiceTemplate,
  samePropertyValue,
} from "./df-match.ts";
export {
  type AgentPage,
  findAgentsByService,
  getAgent,
  getDeployment,
  getMember,
  getRegistration,
  listAgents,
  type ListAgentsOptions,
  listDeployments,
  listMembers,
  listVersions,
  type SearchOptions,
  searchServices,
} from "./queries.ts";
export {
  DirectorySnapshotError,
  DirectorySnapshotSchema,
  restore,
  snapshot,
  SNAPSHOT_FORMAT,
} from "./snapshot.ts";
export { canonicalJson, canonicalJsonPieces } from "./canonical-json.ts";
export { interned, JsonInterner } from "./intern.ts";
export { type DirectoryReader, directoryReader, type DirectoryReaderOptions } from "./reader.ts";
