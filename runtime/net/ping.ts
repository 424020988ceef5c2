/**
 * The echo protocol every node answers: for tests and for measuring round trips.
 * @module
 */
import { z } from "zod";
import { BytesSchema } from "./payload-codec.ts";

/** A ping: a sequence number and optional bytes to echo. */
export const PingSchema = z.object({
  seq: z.number().int().nonnegative(),
  payload: BytesSchema.optional(),
});

/** A ping (and, echoed, its answer). */
export type Ping = z.infer<typeof PingSchema>;

/** The ping handler: returns what it got. */
export function echo(ping: Ping): Ping {
  return ping;
}
