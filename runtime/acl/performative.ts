import { z } from "zod";

/**
 * The 22 communicative acts of the FIPA Communicative Act Library (SC00037), in the
 * lower-case hyphenated spelling used on the wire.
 */
export const PERFORMATIVES = [
  "accept-proposal",
  "agree",
  "cancel",
  "cfp",
  "confirm",
  "disconfirm",
  "failure",
  "inform",
  "inform-if",
  "inform-ref",
  "not-understood",
  "propagate",
  "propose",
  "proxy",
  "query-if",
  "query-ref",
  "refuse",
  "reject-proposal",
  "request",
  "request-when",
  "request-whenever",
  "subscribe",
] as const;

/** One FIPA performative, e.g. `"inform"`. */
export type Performative = typeof PERFORMATIVES[number];

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

const PERFORMATIVE_SET: ReadonlySet<string> = new Set(PERFORMATIVES);

/** Whether `s` is a performative in canonical (lower-case, hyphenated) spelling. */
export function isPerformative(s: string): s is Performative {
  return PERFORMATIVE_SET.has(s);
}

/**
 * Acts that are answers or informs (`inform`, `failure`, `not-understood`, `agree`, ...):
 * nobody replies `not-understood` to them, so that two parties that do not understand each
 * other cannot start an endless exchange.
 */
export const UNANSWERED_ACTS: ReadonlySet<Performative> = new Set<Performative>([
  "accept-proposal",
  "agree",
  "confirm",
  "disconfirm",
  "failure",
  "inform",
  "inform-if",
  "inform-ref",
  "not-understood",
  "propose",
  "refuse",
  "reject-proposal",
]);
