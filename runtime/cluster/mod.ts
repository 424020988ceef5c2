/**
 * The cluster: Raft over libp2p replicating the directory, membership, proposal
 * forwarding, and message forwarding between nodes.
 * @module
 */
export { Cluster, type ClusterOptions, type ClusterProposeOptions } from "./cluster.ts";
export { type LeaveReport, Membership, type MembershipDeps } from "./membership.ts";
export { PeerBook, peerIdOf } from "./peer-book.ts";
export { Autopilot, type AutopilotDeps } from "./autopilot.ts";
export { DirectoryMachine } from "./directory-machine.ts";
export { CLUSTER_PROTOCOL, RemoveResponseSchema } from "./control.ts";
export { type ProposeOptions, Proposer, type ProposerDeps } from "./proposer.ts";
export { raftApiError, raftCall } from "./raft-errors.ts";
export { type PeerRoute, peerRoute } from "./peer-route.ts";
export { clusterAgentDirectory } from "./agent-directory.ts";
export {
  type AgentControl,
  type DfFederationControl,
  mountPlatformAgents,
  type PlatformAgents,
} from "./platform-agents.ts";
export { DfFederation, type DfFederationOptions, type FederationStatus } from "./df-federation.ts";
export {
  HISTORY_PROTOCOL,
  type HistoryPeers,
  mountHistoryPeers,
  PeerHistoryPageSchema,
  type PeerHistoryQuery,
  PeerHistoryQuerySchema,
} from "./history-peers.ts";
