/**
 * The hibernation scheduler's pure decision about one agent it looks at,
 * {@link idleDecision}. The scheduler keeps the agents to look at again in a `DueQueue`
 * (`async/due-queue.ts`) by the time to look, so a pass costs what is due (and what was
 * activated since the last), not a walk over every running agent: an agent's activity is
 * read only when its recorded time comes, and since an agent's idle deadline only moves later
 * while it runs (activity updates a timestamp, an activation is announced), a recorded time
 * is never later than the agent's real deadline.
 * @module
 */
import type { AgentActivity } from "./capture.ts";

/** What to do about one agent a hibernation pass looks at ({@link idleDecision}). */
export type IdleDecision =
  /** Idle at least its limit with nothing pending: hibernate it now. */
  | { kind: "hibernate" }
  /** Look at it again at `at` (ms since the epoch). */
  | { kind: "wait"; at: number }
  /** Not running, or it never hibernates: forget it until it is activated again. */
  | { kind: "drop" };

/**
 * What to do about agent `a` (undefined: not on this node any more) at `nowMs`. One idle
 * long enough but with messages pending (or held) is looked at again `retryMs` later. Pure.
 *
 * @example
 * ```ts
 * idleDecision({ name: "a", state: "running", last_active_ms: 0,
 *   hibernate_after_seconds: 60, pending: 0 }, 30_000, 1000); // { kind: "wait", at: 60_000 }
 * ```
 */
export function idleDecision(
  a: AgentActivity | undefined,
  nowMs: number,
  retryMs: number,
): IdleDecision {
  if (!a || a.state !== "running" || !(a.hibernate_after_seconds > 0)) return { kind: "drop" };
  const due = a.last_active_ms + a.hibernate_after_seconds * 1000;
  if (nowMs < due) return { kind: "wait", at: due };
  if (a.pending > 0) return { kind: "wait", at: nowMs + retryMs };
  return { kind: "hibernate" };
}
