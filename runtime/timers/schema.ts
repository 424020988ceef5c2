/**
 * The timer table as it crosses a trust boundary (read back from Deno KV, carried in a
 * migration snapshot from another node).
 * @module
 */
import { z } from "zod";
import { MAX_TIMER_TAG_LENGTH, type TimerTable } from "./table.ts";

/** Schema of one stored timer. */
export const AgentTimerSchema = z.strictObject({
  id: z.string().min(1).max(128),
  tag: z.string().max(MAX_TIMER_TAG_LENGTH),
  dueAtMs: z.number().int().min(0),
});

/** Schema of a stored {@link TimerTable}; its timers come back in due order. */
export const TimerTableSchema: z.ZodType<TimerTable> = z.strictObject({
  timers: z.array(AgentTimerSchema).max(1_000_000),
}).transform((t) => ({ timers: [...t.timers].sort((a, b) => a.dueAtMs - b.dueAtMs) }));
