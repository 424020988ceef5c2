import { z } from "zod";
import {
  AgentNameSchema,
  PERFORMATIVES,
  PerformativeSchema,
  ReplyBySchema,
} from "../runtime/acl/mod.ts";
import { PROTOCOL_NAMES } from "./names.ts";
import {
  type MachineState,
  type MessageSeen,
  PHASES,
  type ProtocolEvent,
  THREAD_STATES,
  type Violation,
} from "./types.ts";

const Text = z.string().max(65536);
const Name = AgentNameSchema;

/** Schema of a {@link MessageSeen} (validate events that cross a trust boundary). */
export const MessageSeenSchema: z.ZodType<MessageSeen, unknown> = z.object({
  performative: PerformativeSchema,
  from: Name,
  to: z.array(Name).min(1, "a message needs at least one receiver").max(1024),
  conversation_id: Text.optional(),
  reply_with: Text.optional(),
  in_reply_to: Text.optional(),
  reply_by: ReplyBySchema.optional(),
  protocol: Text.optional(),
  reply_to: z.array(Name).max(1024).optional(),
  price: z.number().finite().optional(),
});

/** Schema of a {@link ProtocolEvent}. */
export const ProtocolEventSchema: z.ZodType<ProtocolEvent, unknown> = z.discriminatedUnion(
  "type",
  [
    z.object({
      type: z.literal("message"),
      direction: z.enum(["sent", "received"]).optional(),
      message: MessageSeenSchema,
    }),
    z.object({ type: z.literal("deadline"), at: ReplyBySchema }),
    z.object({ type: z.literal("timeout"), party: Name.optional() }),
  ],
) as unknown as z.ZodType<ProtocolEvent, unknown>;

const SideSchema = z.enum(["initiator", "participant"]);

const ThreadSchema = z.strictObject({
  party: Name,
  state: z.enum(THREAD_STATES),
  terminal: z.boolean(),
  cancel: z.boolean(),
  last: SideSchema.nullable(),
  deadline: z.strictObject({ at: ReplyBySchema, awaiting: SideSchema }).nullable(),
  round: z.number().int().min(0),
  won: z.boolean(),
  await_final: z.boolean(),
  // Absent from states saved before it existed.
  call: Text.nullable().default(null),
});

/**
 * Schema of a {@link MachineState}: what a snapshot restore must check before feeding a
 * state back into {@link step}.
 */
export const MachineStateSchema: z.ZodType<MachineState> = z.lazy(() =>
  z.strictObject({
    v: z.literal(1),
    protocol: z.enum(PROTOCOL_NAMES),
    role: z.enum(["initiator", "participant", "observer"]),
    self: Name.nullable(),
    initiator: Name.nullable(),
    aliases: z.array(Name),
    conversation_id: Text.nullable(),
    phase: z.enum(PHASES),
    round: z.number().int().min(0),
    price: z.number().finite().nullable(),
    final: z.boolean(),
    round_accepts: z.number().int().min(0),
    threads: z.array(ThreadSchema),
    subs: z.array(z.strictObject({
      broker: Name,
      // Absent in states written before sub-conversations had their own id.
      conversation_id: Text.nullable().default(null),
      protocol: z.enum(PROTOCOL_NAMES).nullable(),
      targets: z.array(Name).min(1),
      machine: MachineStateSchema.nullable(),
      finished: z.boolean(),
      replies: z.number().int().min(0),
    })),
    steps: z.number().int().min(0),
    finished: z.boolean(),
  })
) as unknown as z.ZodType<MachineState>;

/** Schema of a {@link Violation}. */
export const ViolationSchema: z.ZodType<Violation> = z.strictObject({
  protocol: z.enum(PROTOCOL_NAMES),
  state: z.string(),
  expected: z.array(z.enum(PERFORMATIVES)),
  got: z.enum(PERFORMATIVES),
  reason: z.string(),
  party: z.string().optional(),
}) as unknown as z.ZodType<Violation>;
