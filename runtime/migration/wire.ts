/**
 * Frames of the migration protocol (`MIGRATE_PROTOCOL`): requests between source and
 * target, and the headers of the two transfers (component bytes, sealed snapshot). Every
 * frame is validated with these schemas where it arrives.
 * @module
 */
import { z } from "zod";
import { AgentLocalNameSchema } from "../agents/mod.ts";
import { HeldWireSchema } from "./held-wire.ts";

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits");
const NodeId = z.string().min(1).max(256).regex(/^[^\s()]+$/, "a node id");

/** Requests on the migration protocol. */
export const MigrateRequestSchema = z.discriminatedUnion("type", [
  /** Source → target: a move is coming; does the target need the component's bytes? */
  z.strictObject({ type: z.literal("offer"), agent: AgentLocalNameSchema, hash: Hex64 }),
  /** Source → target: the move committed; the messages the source held after its snapshot. */
  z.strictObject({
    type: z.literal("release"),
    agent: AgentLocalNameSchema,
    nonce: Hex64,
    messages: z.array(HeldWireSchema).max(1_000_000),
  }),
  /** Source → target: the move will not commit; drop what was staged. */
  z.strictObject({ type: z.literal("abort"), agent: AgentLocalNameSchema, nonce: Hex64 }),
  /** Target → source (after a restart): is the move of that snapshot still under way? */
  z.strictObject({ type: z.literal("status"), agent: AgentLocalNameSchema, nonce: Hex64 }),
  /** Any member: this node's load and free memory (for `list-nodes`). */
  z.strictObject({ type: z.literal("stats") }),
]);

/** A request on the migration protocol. */
export type MigrateRequest = z.output<typeof MigrateRequestSchema>;

/** Headers of the transfers on the migration protocol. */
export const MigrateTransferSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("component"), hash: Hex64 }),
  z.strictObject({
    type: z.literal("snapshot"),
    agent: AgentLocalNameSchema,
    nonce: Hex64,
    from: NodeId,
  }),
]);

/** A transfer header on the migration protocol. */
export type MigrateTransfer = z.output<typeof MigrateTransferSchema>;

/** The answer to `offer`. */
export const OfferAnswerSchema = z.strictObject({ need_component: z.boolean() });

/** The answer to a snapshot transfer. */
export const ReadyAnswerSchema = z.strictObject({ ready: z.literal(true) });

/** The answer to `status`. */
export const StatusAnswerSchema = z.strictObject({
  state: z.enum(["pending", "committed", "aborted"]),
});

/** The answer to `stats`. */
export const StatsAnswerSchema = z.strictObject({
  load: z.number().min(0).max(1),
  available_memory: z.number().min(0),
  agents: z.number().int().min(0),
});

/** A node's load figures. */
export type NodeStats = z.output<typeof StatsAnswerSchema>;
