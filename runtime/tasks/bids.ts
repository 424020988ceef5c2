import type { JsonValue } from "../acl/mod.ts";
import { priceOf } from "../../protocols/mod.ts";

/** How the initiator picks the winning proposal. */
export const STRATEGIES = ["best_bid", "first_bid", "fastest"] as const;

/**
 * - `best_bid`: the lowest cost (`price`, `cost`, `bid` or `amount` in the proposal), ties
 *   to the higher `confidence`, then the shorter `estimated_time`, then the earlier bid;
 * - `first_bid`: the proposal that came first;
 * - `fastest`: the shortest `estimated_time` (seconds), ties as `best_bid`.
 */
export type Strategy = typeof STRATEGIES[number];

/** A proposal as the initiator weighs it. */
export interface Bid {
  agent: string;
  content: JsonValue | null;
  /** Cost, when the proposal states one. */
  cost: number | null;
  /** Estimated time in seconds, when stated as a number. */
  time: number | null;
  confidence: number | null;
  /** Arrival order (1-based). */
  seq: number;
  /** When it arrived (ISO 8601). */
  at: string;
}

function field(content: JsonValue | undefined, key: string): number | null {
  if (content === null || typeof content !== "object" || Array.isArray(content)) return null;
  const v = Object.hasOwn(content, key) ? content[key] : undefined;
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/**
 * The facts of a proposal's content that strategies weigh.
 *
 * @example
 * ```ts
 * bidFacts({ cost: 50, estimated_time: 7200, confidence: 0.95 });
 * // { cost: 50, time: 7200, confidence: 0.95 }
 * bidFacts("12.5"); // { cost: 12.5, time: null, confidence: null }
 * ```
 */
export function bidFacts(
  content: JsonValue | undefined,
): { cost: number | null; time: number | null; confidence: number | null } {
  return {
    cost: priceOf(content) ?? field(content, "cost"),
    time: field(content, "estimated_time"),
    confidence: field(content, "confidence"),
  };
}

const orNull = (x: number | null, missing: number) => x ?? missing;

function byBest(a: Bid, b: Bid): number {
  return orNull(a.cost, Infinity) - orNull(b.cost, Infinity) ||
    orNull(b.confidence, -Infinity) - orNull(a.confidence, -Infinity) ||
    orNull(a.time, Infinity) - orNull(b.time, Infinity) ||
    a.seq - b.seq;
}

function compare(a: Bid, b: Bid, strategy: Strategy): number {
  switch (strategy) {
    case "first_bid":
      return a.seq - b.seq;
    case "fastest":
      return orNull(a.time, Infinity) - orNull(b.time, Infinity) || byBest(a, b);
    default:
      return byBest(a, b);
  }
}

/** The winning bid under `strategy` (`undefined` when there is none). Pure. */
export function chooseBest(bids: readonly Bid[], strategy: Strategy): Bid | undefined {
  let best: Bid | undefined;
  for (const b of bids) {
    if (best === undefined) best = b;
    // A criterion both lack compares as NaN (Infinity - Infinity): falsy, so the next one
    // decides; the last (arrival order) always does.
    else if (compare(b, best, strategy) < 0) best = b;
  }
  return best;
}
