/**
 * The cluster: Raft over libp2p replicating the directory, membership, proposal
 * forwarding, and message forwarding between nodes.
 * @module
 */
export { Cluster, type ClusterOptions, type LeaveReport } from "./cluster.ts";
export { Autopilot, type AutopilotDeps } from "./autopilot.ts";
export { DirectoryMachine } from "./directory-machine.ts";
export { CLUSTER_PROTOCOL, RemoveResponseSchema } from "./control.ts";
export { type ProposeOptions, Proposer, type ProposerDeps } from "./proposer.ts";
export { raftApiError, raftCall } from "./raft-errors.ts";
export { peerRoute } from "./peer-route.ts";
export { clusterAgentDirectory } from "./agent-directory.ts";
export { mountPlatformAgents } from "./platform-agents.ts";
