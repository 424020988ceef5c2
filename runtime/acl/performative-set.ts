/**
 * The FIPA performatives as plain data, without schemas: what a sandbox Worker needs (it
 * checks the performative of every message an agent sends) without loading zod, whose load
 * costs every Worker start ~13 ms of CPU. `performative.ts` adds the schema.
 * @module
 */

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
