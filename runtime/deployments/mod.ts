/**
 * Deployments of a new version of an agent: the strategies clients give (`strategy.ts`,
 * validated at the trust boundary) and the pure decision procedure that moves a deployment
 * through its stages, completes it or rolls it back (`decide.ts`); the pure rolling machine
 * over replica instances (`rolling.ts`) and replica placement over nodes (`placement.ts`).
 * @module
 */
export {
  type CanaryStage,
  CanaryStageSchema,
  DEFAULT_MIN_SAMPLES,
  DurationSchema,
  MAX_DURATION_MS,
  type Strategy,
  StrategyDocSchema,
  StrategySchema,
} from "./strategy.ts";
export {
  decide,
  type Decision,
  type DeploymentAction,
  type DeploymentProgress,
  type DeploymentStatus,
  type Observation,
  requestRollback,
  type RollbackAnswer,
  startDeployment,
  type VersionCounts,
} from "./decide.ts";
export {
  type DeploymentDeps,
  type DeploymentRequest,
  DeploymentService,
  type DeploymentView,
  deploymentView,
} from "./service.ts";
export { MAX_AFFINITIES, type Side, type SplitCounts, TrafficSplit } from "./traffic.ts";
export { nextRollingStep, type RollingInstance, type RollingStep } from "./rolling.ts";
export { type PlacementNode, placeReplicas } from "./placement.ts";
export {
  type RollingOutcome,
  type RollingReplicas,
  type RollingRun,
  RollingRuns,
} from "./rolling-run.ts";
