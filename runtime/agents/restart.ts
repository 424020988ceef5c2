import { z } from "zod";
import { backoffDelay } from "../async/mod.ts";

/**
 * Restart strategies of the design seed (`seeds/000`, "Supervisor"): restart at once, with
 * exponential backoff, until too many failures in a window, or never.
 */
export const RestartStrategySchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("immediate") }),
  z.strictObject({
    type: z.literal("backoff"),
    initial_ms: z.number().int().min(0).max(3_600_000).default(100),
    max_ms: z.number().int().min(0).max(86_400_000).default(30_000),
    multiplier: z.number().min(1).max(100).default(2),
  }),
  z.strictObject({
    type: z.literal("max_failures"),
    count: z.number().int().min(1).max(1_000_000).default(5),
    window_secs: z.number().min(0.001).max(86_400 * 30).default(60),
  }),
  z.strictObject({ type: z.literal("none") }),
]);

/** A restart strategy. */
export type RestartStrategy = z.infer<typeof RestartStrategySchema>;

/** The strategy an agent gets when its config names none. */
export const DEFAULT_RESTART: RestartStrategy = {
  type: "backoff",
  initial_ms: 100,
  max_ms: 30_000,
  multiplier: 2,
};

/** What the supervisor remembers of an agent's failures (serializable). */
export interface FailureRecord {
  /** Failure times (ms), the most recent last; only as many as the strategy needs. */
  times: number[];
  /** Failures since the agent last ran cleanly (for backoff). */
  consecutive: number;
}

/** The supervisor's decision after a failure. */
export type RestartDecision =
  | { restart: true; delayMs: number; record: FailureRecord }
  | { restart: false; reason: string; record: FailureRecord };

/**
 * Decides whether and when to restart an agent that failed at `nowMs`. Pure.
 *
 * @example
 * ```ts
 * const d = decideRestart({ type: "backoff", initial_ms: 100, max_ms: 1000, multiplier: 2 },
 *   { times: [], consecutive: 2 }, 5_000);
 * d.restart && d.delayMs; // 400
 * ```
 */
export function decideRestart(
  strategy: RestartStrategy,
  prior: FailureRecord,
  nowMs: number,
): RestartDecision {
  const consecutive = prior.consecutive + 1;
  switch (strategy.type) {
    case "none":
      return {
        restart: false,
        reason: "restart strategy is none",
        record: { times: [nowMs], consecutive },
      };
    case "immediate":
      return { restart: true, delayMs: 0, record: { times: [nowMs], consecutive } };
    case "backoff": {
      const delayMs = backoffDelay({
        initialDelayMs: strategy.initial_ms,
        factor: strategy.multiplier,
        maxDelayMs: strategy.max_ms,
      }, consecutive);
      return {
        restart: true,
        delayMs,
        record: { times: [nowMs], consecutive },
      };
    }
    case "max_failures": {
      const from = nowMs - strategy.window_secs * 1000;
      const times = [...prior.times.filter((t) => t > from), nowMs].slice(-strategy.count);
      if (times.length >= strategy.count) {
        return {
          restart: false,
          reason: `${times.length} failures within ${strategy.window_secs} s (max ${
            strategy.count - 1
          })`,
          record: { times, consecutive },
        };
      }
      return { restart: true, delayMs: 0, record: { times, consecutive } };
    }
  }
}

/** The record after the agent handled a message cleanly: backoff starts over. */
export function recordSuccess(prior: FailureRecord): FailureRecord {
  return prior.consecutive === 0 ? prior : { times: prior.times, consecutive: 0 };
}
