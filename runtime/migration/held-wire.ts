import { z } from "zod";
import { AgentIdentifierSchema, parseAclJson, toAclJson } from "../acl/mod.ts";
import type { Delivery } from "../routing/mod.ts";
import type { HeldDelivery } from "./capture.ts";

/** Schema of a held message as snapshots, the held log and the release frame carry it. */
export const HeldWireSchema = z.strictObject({
  message_id: z.string().min(1).max(256),
  accepted_at: z.string().min(1).max(64),
  origin: z.enum(["http", "agent", "peer", "mtp", "platform"]).optional(),
  mode: z.enum(["at-most-once", "at-least-once"]).optional(),
  to: AgentIdentifierSchema,
  /** The message in JSON form; parsed again with `parseAclJson`. */
  message: z.unknown(),
});

/** A held message in its JSON form. */
export type HeldWire = z.output<typeof HeldWireSchema>;

/** The JSON form of a held message. Pure. */
export function heldToWire(h: HeldDelivery): HeldWire {
  const { message, message_id, accepted_at, ...rest } = h.delivery;
  const extra = rest as { origin?: HeldWire["origin"]; mode?: HeldWire["mode"] };
  return {
    message_id,
    accepted_at,
    ...(extra.origin ? { origin: extra.origin } : {}),
    ...(extra.mode ? { mode: extra.mode } : {}),
    to: h.to,
    message: toAclJson(message),
  };
}

/**
 * A held message from its JSON form (validated: it may come from a peer).
 *
 * @throws {z.ZodError | import("../acl/mod.ts").AclError} naming the bad field.
 */
export function heldFromWire(value: unknown): HeldDelivery {
  const w = HeldWireSchema.parse(value);
  const delivery = {
    message_id: w.message_id,
    accepted_at: w.accepted_at,
    message: parseAclJson(w.message),
    ...(w.origin ? { origin: w.origin } : {}),
    ...(w.mode ? { mode: w.mode } : {}),
  } as Delivery;
  return { delivery, to: w.to };
}
