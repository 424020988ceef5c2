/**
 * Agent lifecycle: deployment, supervision with restart strategies, persistence.
 * @module
 */
export { AgentManager, type ListOptions } from "./manager.ts";
export type { DeployOptions } from "./lifecycle.ts";
export {
  type AgentDirectory,
  type AgentInstance,
  type AgentManagerDeps,
  type AgentSandbox,
  type ComponentLoader,
} from "./deps.ts";
export { type FaultHook, LIFECYCLE_STEPS, type LifecycleStep } from "./faults.ts";
export {
  AgentLocalNameSchema,
  type AgentUpdate,
  type DeployConfig,
  DeployConfigSchema,
  ReplicasSchema,
  type UpdateConfig,
  UpdateConfigSchema,
} from "./deploy-config.ts";
export { AGENT_STATES, type AgentCounters, type AgentRecord, type AgentState } from "./record.ts";
export {
  decideRestart,
  DEFAULT_RESTART,
  type FailureRecord,
  type RestartDecision,
  type RestartStrategy,
  RestartStrategySchema,
} from "./restart.ts";
export { AgentStore } from "./agent-store.ts";
export {
  type AgentActivity,
  type AgentCapture,
  type AgentSnapshots,
  DEFAULT_HIBERNATE_AFTER_SECONDS,
  type HeldDelivery,
  type HeldLog,
  type MigrationHop,
  SNAPSHOT_REASONS,
  type SnapshotReason,
  type StagedArrival,
} from "./contract.ts";
export { type AgentView, toView } from "./view.ts";
export { componentHashesInUse } from "./component-use.ts";
export { automaticVersion, manifestSummary, recordOfVersion, versionConfig } from "./versions.ts";
export {
  AGENT_LOG_CONTENT_CHARS,
  type AgentLogEntry,
  type AgentLogRecord,
  AgentLogs,
  DEFAULT_AGENT_LOG_ENTRIES,
  messageRecord,
} from "./agent-log.ts";
export { declinedReply } from "./not-understood.ts";
export { type Managed, newManaged } from "./managed.ts";
export { failedOn } from "./mailbox.ts";
