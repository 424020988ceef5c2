/**
 * Scale to zero: agents idle for their configured time (`hibernate_after_seconds`, default
 * 300 s, 0 = never) are snapshotted and their sandbox instances freed.
 * {@link dueForHibernation} is the pure rule (one agent: {@link idleDecision}); {@link Hibernator}
 * runs it on a timer, over a {@link DueQueue} of the agents to look at next.
 * @module
 */
import type { AgentActivity } from "./capture.ts";
import { idleDecision } from "./idle-decision.ts";
import { DueQueue } from "../async/mod.ts";
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
    .filter((a) => idleDecision(a, nowMs, 0).kind === "hibernate")
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
  agents: {
    /** One agent's activity now, or undefined when it is not on this node. */
    activityOf(name: string): AgentActivity | undefined;
    /**
     * The agents that became running since the last call (activations, arrivals), each
     * once; the first call returns every agent running so far.
     */
    takeActivated(): string[];
    hibernate(name: string): Promise<unknown>;
  };
  log: Logger;
  /** Clock, ms since the epoch. */
  now?: () => number;
  /**
   * Longest pause between two looks (default 1000 ms); also how long an agent due but busy
   * (messages pending, or its hibernation refused) waits before it is looked at again.
   */
  maxIntervalMs?: number;
}

/**
 * Looks for idle agents and hibernates them, waking up when the next one may be due (at
 * most every `maxIntervalMs`). One pass at a time; `stop()` ends it. A pass reads the
 * activity of the agents activated since the last pass and of those whose time in its
 * {@link DueQueue} has come, so its cost does not grow with the agents that just run.
 */
export class Hibernator {
  #timer?: ReturnType<typeof setTimeout>;
  #running?: Promise<void>;
  #stopped = false;
  readonly #now: () => number;
  readonly #retryMs: number;
  readonly #queue = new DueQueue();

  constructor(readonly deps: HibernatorDeps) {
    this.#now = deps.now ?? Date.now;
    this.#retryMs = deps.maxIntervalMs ?? 1000;
  }

  /** Starts looking. */
  start(): void {
    this.#schedule(0);
  }

  /** How many agents it waits on (running ones that may hibernate), for tests and metrics. */
  get watched(): number {
    return this.#queue.size;
  }

  /** Hibernates every agent due now; resolves with their names. */
  async pass(): Promise<string[]> {
    const { agents } = this.deps;
    const now = this.#now();
    for (const name of agents.takeActivated()) this.#queue.watch(name, now);
    const due: string[] = [];
    for (const name of this.#queue.takeDue(now)) {
      const d = idleDecision(agents.activityOf(name), now, this.#retryMs);
      if (d.kind === "hibernate") due.push(name);
      else if (d.kind === "wait") this.#queue.watch(name, d.at);
    }
    const done: string[] = [];
    for (const name of due.sort()) {
      if (this.#stopped) break;
      try {
        await agents.hibernate(name);
        done.push(name);
      } catch (e) {
        this.deps.log.debug("hibernation skipped", { agent: name, error: String(e) });
      }
      // Still running (a message came meanwhile, or it was refused): looked at again later.
      const d = idleDecision(agents.activityOf(name), this.#now(), this.#retryMs);
      if (d.kind === "wait") this.#queue.watch(name, d.at);
      else if (d.kind === "hibernate") this.#queue.watch(name, this.#now() + this.#retryMs);
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
        const next = this.#queue.next();
        const wait = next === undefined
          ? this.#retryMs
          : Math.min(this.#retryMs, Math.max(10, next - this.#now()));
        this.#schedule(wait);
      });
    }, ms);
  }
}
