/**
 * Replicas of stateless agents: the pure pick of an instance per conversation (rendezvous
 * hashing, `pick.ts`), the instances a node runs (`instance.ts`), the node's shell that
 * routes, runs and places them (`host.ts`) and what nodes ask each other (`wire.ts`).
 * Placement itself is the pure `deployments/placement.ts`.
 * @module
 */
export { liveNodes, rankInstances, spreadKey, weight } from "./pick.ts";
export { ReplicaHost, type ReplicaHostDeps, type ReplicasView } from "./host.ts";
export { isUnavailable, ReplicaInstance } from "./instance.ts";
export { requireStateless } from "./stateless.ts";
export {
  INSTANCE_STATES,
  type InstanceStats,
  InstanceStatsSchema,
  ReplicaRequestSchema,
} from "./wire.ts";
