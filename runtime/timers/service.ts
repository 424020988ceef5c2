/**
 * The node's durable timers (the shell around {@link TimerTable}): agents set and cancel
 * timers through the sandbox's `timers` imports; one real timer waits for the earliest due
 * one of any agent (agents in a {@link DueQueue} by their earliest timer, so setting,
 * cancelling and firing a timer cost O(log n) of the agents with timers, not a walk over
 * them); a due timer is taken from its table (so it fires once) and handed to
 * `fire`, which wakes the agent if it hibernates and calls its `on-timer`. Changed tables are
 * written through `save` in batches: one write at a time, holding every table changed since
 * the write before it began (one Deno KV operation per tick, not one per agent).
 * @module
 */
import { DueQueue, type TimerHandle, type Timers } from "../async/mod.ts";
import type { Logger } from "../log/mod.ts";
import {
  addTimer,
  type AgentTimer,
  cancelTimer,
  DEFAULT_MAX_TIMERS,
  nextDue,
  takeDue,
  type TimerTable,
} from "./table.ts";

/** The longest a real timer is set for at once (`setTimeout` takes at most 2^31-1 ms). */
const MAX_WAIT_MS = 2 ** 31 - 1;

/** What {@link DurableTimers} needs from the node. */
export interface DurableTimersDeps {
  timers: Timers;
  /** The clock, ms since the epoch. */
  now: () => number;
  /**
   * Persists the changed tables, by agent; `undefined` for an agent that has none left.
   * Called once at a time: the next batch waits for this one.
   */
  save(tables: ReadonlyMap<string, TimerTable | undefined>): Promise<void>;
  /** Fires a due timer of `agent` (wakes it if needed); resolves once `on-timer` returned. */
  fire(agent: string, timer: AgentTimer): Promise<void>;
  log?: Logger;
  /**
   * Pending timers per agent (default {@link DEFAULT_MAX_TIMERS}): a number for every agent,
   * or the limit of the agent by that local name (its `limits.timers`).
   */
  max?: number | ((agent: string) => number);
  /** Draws a timer id. */
  newId?: () => string;
}

/** An agent's local name from the name the sandbox gives (`name@platform`). */
function localName(agent: string): string {
  const at = agent.indexOf("@");
  return at < 0 ? agent : agent.slice(0, at);
}

/** Every agent's timers on this node; implements the sandbox's `TimerService`. */
export class DurableTimers {
  readonly #tables = new Map<string, TimerTable>();
  /** The agents with timers by their earliest timer's due time. */
  readonly #due = new DueQueue();
  /** Agents whose table changed since the last batch began. */
  readonly #dirty = new Set<string>();
  /** The batch not started yet: later changes join it. */
  #queued?: Promise<void>;
  /** The last batch (running or queued); `close` waits for it. */
  #last: Promise<void> = Promise.resolve();
  #armed?: { handle: TimerHandle; at: number };
  #closed = false;

  constructor(readonly deps: DurableTimersDeps) {}

  /** `set-timer`: a new timer of `agent` (sandbox name) due at `dueAtMs`, or why not. */
  set(
    agent: string,
    t: { tag: string; dueAtMs: number },
  ): { ok: true; id: string } | { ok: false; error: string } {
    const name = localName(agent);
    const id = this.deps.newId?.() ?? `tmr_${crypto.randomUUID().replaceAll("-", "")}`;
    const r = addTimer(
      this.#tables.get(name) ?? { timers: [] },
      { id, tag: t.tag, dueAtMs: t.dueAtMs },
      this.deps.now(),
      this.#max(name),
    );
    if (!r.ok) return r;
    this.#set(name, r.table);
    this.#persist(name);
    this.#arm();
    return { ok: true, id };
  }

  /** `cancel-timer`: whether a pending timer of `agent` was cancelled. */
  cancel(agent: string, id: string): boolean {
    const name = localName(agent);
    const table = this.#tables.get(name);
    if (!table) return false;
    const r = cancelTimer(table, id);
    if (!r.cancelled) return false;
    this.#set(name, r.table);
    this.#persist(name);
    this.#arm();
    return true;
  }

  /** An agent's pending timers, in due order. */
  pending(name: string): AgentTimer[] {
    return [...(this.#tables.get(name)?.timers ?? [])];
  }

  /**
   * Takes over `name`'s table (restored after a restart, or arrived with a move) and
   * writes it when `persist`; timers already due fire at once.
   */
  load(name: string, table: TimerTable | undefined, opts: { persist?: boolean } = {}): void {
    if (!table || table.timers.length === 0) return;
    this.#set(name, table);
    if (opts.persist) this.#persist(name);
    this.#arm();
  }

  /**
   * Takes `name`'s table out (its agent is leaving on a move): none of its timers fires here
   * any more; {@link load} gives it back if the move fails. The stored table stays until
   * {@link drop}.
   */
  take(name: string): TimerTable | undefined {
    const t = this.#tables.get(name);
    this.#set(name, undefined);
    this.#arm();
    return t;
  }

  /** Forgets `name`'s timers, here and in storage (removed, or moved away). */
  drop(name: string): Promise<void> {
    this.#set(name, undefined);
    this.#arm();
    return this.#persist(name);
  }

  /** Stops waiting; nothing fires after this. Resolves once pending writes are done. */
  async close(): Promise<void> {
    this.#closed = true;
    this.deps.timers.clear(this.#armed?.handle);
    this.#armed = undefined;
    await this.#last;
  }

  #max(name: string): number {
    const max = this.deps.max;
    return (typeof max === "function" ? max(name) : max) ?? DEFAULT_MAX_TIMERS;
  }

  /** Keeps `name`'s table (none: it has no timers left) and its place in the due queue. */
  #set(name: string, table: TimerTable | undefined): void {
    const at = table && nextDue(table);
    if (at === undefined) {
      this.#tables.delete(name);
      this.#due.forget(name);
    } else {
      this.#tables.set(name, table!);
      this.#due.watch(name, at);
    }
  }

  /**
   * Writes `name`'s table as it is when the write runs, after the writes before it: every
   * change made while a batch waits to start joins it (one write for a burst of changes, of
   * any number of agents).
   */
  #persist(name: string): Promise<void> {
    this.#dirty.add(name);
    if (this.#queued) return this.#queued;
    const next = this.#last.then(() => {
      this.#queued = undefined;
      const batch = new Map<string, TimerTable | undefined>();
      for (const n of this.#dirty) batch.set(n, this.#tables.get(n));
      this.#dirty.clear();
      return this.deps.save(batch).catch((e) =>
        this.deps.log?.warn("agent timers not saved", {
          agents: [...batch.keys()].join(","),
          error: String(e),
        })
      );
    });
    this.#queued = next;
    this.#last = next;
    return next;
  }

  /** Sets the one real timer for the earliest due timer of any agent. */
  #arm(): void {
    if (this.#closed) return;
    const at = this.#due.next() ?? Infinity;
    if (this.#armed?.at === at) return;
    this.deps.timers.clear(this.#armed?.handle);
    this.#armed = undefined;
    if (at === Infinity) return;
    const wait = Math.min(MAX_WAIT_MS, Math.max(0, at - this.deps.now()));
    this.#armed = { at, handle: this.deps.timers.set(() => this.#tick(), wait) };
  }

  /** Fires every timer due now, each once (taken from its table first). */
  #tick(): void {
    this.#armed = undefined;
    if (this.#closed) return;
    const now = this.deps.now();
    for (const name of this.#due.takeDue(now)) {
      const table = this.#tables.get(name);
      if (!table) continue;
      const { due, table: rest } = takeDue(table, now);
      this.#set(name, rest);
      for (const t of due) {
        this.deps.fire(name, t).catch((e) =>
          this.deps.log?.warn("agent timer not delivered", {
            agent: name,
            timer: t.id,
            tag: t.tag,
            error: String(e),
          })
        ).finally(() => this.#persist(name));
      }
    }
    this.#arm();
  }
}
