import { z } from "zod";
import { type Performative, PERFORMATIVES } from "./performative-set.ts";

export {
  isPerformative,
  type Performative,
  PERFORMATIVES,
  UNANSWERED_ACTS,
} from "./performative-set.ts";

/**
 * Schema of a performative. Input is case-insensitive and accepts `_` for `-`
 * (`"QUERY_IF"` → `"query-if"`), as JADE and the Caxton seeds write them.
 *
 * @example
 * ```ts
 * PerformativeSchema.parse("ACCEPT_PROPOSAL"); // "accept-proposal"
 * ```
 */
export const PerformativeSchema: z.ZodType<Performative, string> = z
  .string()
  .transform((s) => s.toLowerCase().replaceAll("_", "-"))
  .pipe(z.enum(PERFORMATIVES));
