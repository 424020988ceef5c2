/**
 * Scale to zero: agents idle for their configured time (`hibernate_after_seconds`, default
 * 300 s, 0 = never) are snapshotted and their sandbox instances freed.
 * {@link dueForHibernation} is the pure rule; {@link Hibernator} runs it on a timer.
 * @module
 */
import type { AgentActivity } from "./capture.ts";
import type { Logger } from "../log/mod.ts";

/**
 * The agents that should hibernate now: running, nothing pending, a non-zero limit, and
 * idle at least that long. Pure.
 *
 * @example
 * ```ts
 * dueForHibernation([{ name: "a", state: "running", last_active_ms: 0,
 *   hibernate_after_seconds: 60, pending: 0 }], 61_000); // ["a"]
 * ```
 */
export function dueForHibernation(agents: AgentActivity[], nowMs: number): string[] {
  return agents
    .filter((a) =>
      a.state === "running" && a.pending === 0 && a.hibernate_after_seconds > 0 &&
      nowMs - a.last_active_ms >= a.hibernate_after_seconds * 1000
    )
    .map((a) => a.name)
    .sort();
}

/** When the next agent may become due (ms since the epoch), or undefined. Pure. */
export function nextDue(agents: AgentActivity[]): number | undefined {
  let due = Infinity;
  for (const a of agents) {
    if (a.state !== "running" || a.hibernate_after_seconds <= 0) continue;
    due = Math.min(due, a.last_active_ms + a.hibernate_after_seconds * 1000);
  }
  return Number.isFinite(due) ? due : undefined;
}

/** What a {@link Hibernator} drives. */
export interface HibernatorDeps {
  agents: { activity(): AgentActivity[]; hibernate(name: string): Promise<unknown> };
  log: Logger;
  /** Clock, ms since the epoch. */
  now?: () => number;
  /** Longest pause between two looks (default 1000 ms). */
  maxIntervalMs?: number;
}

/**
 * Looks for idle agents and hibernates them, waking up when the next one may be due (at
 * most every `maxIntervalMs`). One pass at a time; `stop()` ends it.
 */
export class Hibernator {
  #timer?: ReturnType<typeof setTimeout>;
  #running?: Promise<void>;
  #stopped = false;
  readonly #now: () => number;

  constructor(readonly deps: HibernatorDeps) {
    this.#now = deps.now ?? Date.now;
  }

  /** Starts looking. */
  start(): void {
    this.#schedule(0);
  }

  /** Hibernates every agent due now; resolves with their names. */
  async pass(): Promise<string[]> {
    const due = dueForHibernation(this.deps.agents.activity(), this.#now());
    const done: string[] = [];
    for (const name of due) {
      if (this.#stopped) break;
      try {
        await this.deps.agents.hibernate(name);
        done.push(name);
      } catch (e) {
        this.deps.log.debug("hibernation skipped", { agent: name, error: String(e) });
      }
    }
    return done;
  }

  /** Stops looking; waits for a pass under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.pass().then(() => {}, () => {}).finally(() => {
        this.#running = undefined;
        const next = nextDue(this.deps.agents.activity());
        const max = this.deps.maxIntervalMs ?? 1000;
        const wait = next === undefined ? max : Math.min(max, Math.max(10, next - this.#now()));
        this.#schedule(wait);
      });
    }, ms);
  }
}
