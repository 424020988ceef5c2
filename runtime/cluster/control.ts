import { z } from "zod";
import { DirectoryCommandSchema, MAX_REPLICAS, RequestIdSchema } from "../directory/mod.ts";

/** The libp2p protocol for cluster control: joining, forwarded proposals and reads. */
export const CLUSTER_PROTOCOL = "/fipa-edge/cluster/1.0.0";

/** A node asking to join: who it is and where it listens. */
export const JoinRequestSchema = z.strictObject({
  type: z.literal("join"),
  id: z.string().min(1).max(128),
  addresses: z.array(z.string().min(1).max(1024)).min(1).max(32),
  public_key: z.string().min(1).max(128),
  /** The cluster token, when the cluster requires one. */
  token: z.string().min(1).max(1024).optional(),
});

/** A follower forwarding a directory command, with its client request id, to the leader. */
export const ProposeRequestSchema = z.strictObject({
  type: z.literal("propose"),
  request_id: RequestIdSchema,
  command: DirectoryCommandSchema,
});

/** A member asking the leader to remove a (dead) member for good. */
export const RemoveRequestSchema = z.strictObject({
  type: z.literal("remove"),
  id: z.string().min(1).max(128),
});

/** The answer to a removal: the configuration without the member. */
export const RemoveResponseSchema = z.object({
  removed: z.string(),
  voters: z.array(z.string()),
  learners: z.array(z.string()),
});

/** A node asking the leader where its peers are (member id → addresses). */
export const PeersRequestSchema = z.strictObject({ type: z.literal("peers") });

/** Every control request. */
export const ControlRequestSchema = z.discriminatedUnion("type", [
  JoinRequestSchema,
  ProposeRequestSchema,
  RemoveRequestSchema,
  PeersRequestSchema,
]);

/** A control request. */
export type ControlRequest = z.infer<typeof ControlRequestSchema>;

/** Member id → addresses, as a join answer or a peers answer carries them. */
export const PeerTableSchema = z.record(z.string(), z.array(z.string()));

/** The answer to a join. */
export const JoinResponseSchema = z.object({
  ok: z.literal(true),
  leader: z.string(),
  peers: PeerTableSchema,
});

/** The ACL forwarding frame: one message for one receiver that lives on the target node. */
export const AclForwardSchema = z.strictObject({
  message_id: z.string().min(1).max(256),
  accepted_at: z.string().min(1).max(64),
  /** The message in JSON form (validated again by the receiving node). */
  message: z.unknown(),
  to: z.string().min(1).max(1024),
  /** At-least-once: answered once the agent handled it; duplicates are dropped. */
  mode: z.enum(["at-most-once", "at-least-once"]).optional(),
  /** Answered once the agent handled it, or with its failure (send-and-wait). */
  await_handled: z.boolean().optional(),
  /** The instance of a replicated receiver that takes it (its index). */
  instance: z.number().int().min(0).max(MAX_REPLICAS - 1).optional(),
});
