/**
 * The libp2p protocol ids that fipa-edge nodes speak to each other. Each id names one
 * request/response (and transfer) channel; the handlers for them live with their concern
 * (Raft, ACL routing, migration), the framing with this folder.
 * @module
 */

/**
 * Raft consensus messages (vote, append entries, install snapshot), one-way BYTES frames in
 * the binary form of `raft/wire.ts` (2.0.0; 1.0.0 wrapped JSON in JSON).
 */
export const RAFT_PROTOCOL = "/fipa-edge/raft/2.0.0";
/** Forwarding an ACL message to the node that hosts its receiver. */
export const ACL_PROTOCOL = "/fipa-edge/acl/1.0.0";
/** Moving an agent: the signed snapshot transfer and the two-phase move. */
export const MIGRATE_PROTOCOL = "/fipa-edge/migrate/1.0.0";
/** Replicas of stateless agents: what each node's instances did, components they lack. */
export const REPLICA_PROTOCOL = "/fipa-edge/replica/1.0.0";
/** Echo, for tests and latency measurement; every node answers it. */
export const PING_PROTOCOL = "/fipa-edge/ping/1.0.0";

/** Every protocol id this runtime defines. */
export const PROTOCOL_IDS = [
  RAFT_PROTOCOL,
  ACL_PROTOCOL,
  MIGRATE_PROTOCOL,
  REPLICA_PROTOCOL,
  PING_PROTOCOL,
] as const;

/** One of {@link PROTOCOL_IDS}. */
export type ProtocolId = typeof PROTOCOL_IDS[number];
