/**
 * Agents' durable timers on this node, as the manager runs them: the tables live in Deno KV
 * beside the agents' records (`["agent-timers", name]`), come back on restart, and a due
 * timer wakes a hibernated agent (as a message does) before its `on-timer` runs.
 * @module
 */
import { pollUntil, REAL_TIMERS } from "../async/mod.ts";
import { ApiError } from "../errors/mod.ts";
import {
  type AgentTimer,
  DEFAULT_MAX_TIMERS,
  DurableTimers,
  type TimerTable,
  TimerTableSchema,
} from "../timers/mod.ts";
import type { AgentManagerDeps } from "./deps.ts";
import type { Managed } from "./managed.ts";

/** KV key of an agent's timer table. */
export function timersKey(name: string): Deno.KvKey {
  return ["agent-timers", name];
}

/**
 * How long a due timer waits for its agent to end a pause (waking, moving, arriving, or
 * waiting to be aligned with the directory after a restart: `Managed.unaligned`).
 */
const PAUSE_WAIT_MS = 60_000;

/** What the timers need from the other parts of the manager. */
export interface AgentTimerParts {
  deps: Pick<AgentManagerDeps, "kv" | "sandbox" | "timers" | "log" | "router">;
  now: () => number;
  /** The agent managed here by that name. */
  get(name: string): Managed | undefined;
  /** Whether `m` is paused now; a hibernated agent starts waking here (mobility). */
  holding(m: Managed): boolean;
}

/** The node's {@link DurableTimers}, stored in KV and fired into the agents. */
export function agentTimers(p: AgentTimerParts): DurableTimers {
  const { kv, log } = p.deps;
  return new DurableTimers({
    timers: p.deps.timers ?? REAL_TIMERS,
    now: p.now,
    log,
    save: (tables) => saveTimerTables(kv, tables),
    max: (name) => p.get(name)?.record.limits.timers ?? DEFAULT_MAX_TIMERS,
    fire: (name, t) => fireInto(p, name, t),
  });
}

/** Tables per KV atomic operation (Deno KV takes at most 1,000 mutations and 800 KB). */
const TABLES_PER_WRITE = 10;

/**
 * Writes changed timer tables (`undefined`: deleted) in as few KV operations as fit: each
 * atomic holds up to {@link TABLES_PER_WRITE} tables (a table is at most 64 KiB).
 */
export async function saveTimerTables(
  kv: Deno.Kv,
  tables: ReadonlyMap<string, TimerTable | undefined>,
): Promise<void> {
  const entries = [...tables];
  for (let i = 0; i < entries.length; i += TABLES_PER_WRITE) {
    const op = kv.atomic();
    for (const [name, table] of entries.slice(i, i + TABLES_PER_WRITE)) {
      if (table) op.set(timersKey(name), table);
      else op.delete(timersKey(name));
    }
    const r = await op.commit();
    if (!r.ok) throw new Error(`timer tables of ${entries.length} agents not written`);
  }
}

async function fireInto(p: AgentTimerParts, name: string, t: AgentTimer): Promise<void> {
  const fire = p.deps.sandbox.fireTimer;
  if (!fire) throw new Error("this node's sandbox has no timers");
  let m = p.get(name);
  if (!m) throw new ApiError("AGENT_NOT_FOUND", `Agent '${name}' is not on this node`);
  // Restored unstarted, it fires at the version the directory says (once aligned).
  if (p.holding(m) || m.unaligned) {
    await pollUntil(`agent '${name}' ready for timer ${t.id}`, () => {
      m = p.get(name);
      return !m || (!m.hold && !m.unaligned) ? true : undefined;
    }, { timeoutMs: PAUSE_WAIT_MS, intervalMs: 2 });
    if (!m) throw new ApiError("AGENT_NOT_FOUND", `Agent '${name}' left this node`);
  }
  if (!m.handle) {
    throw new ApiError("AGENT_UNAVAILABLE", `Agent '${name}' is ${m.record.state}`, {
      agent: name,
      state: m.record.state,
    });
  }
  m.lastActive = p.now();
  await fire.call(p.deps.sandbox, `${name}@${p.deps.router.platform}`, t.id, t.tag);
  // What on-timer did (memory, storage) goes into the next checkpoint.
  m.ckpt?.touched();
}

/** The stored tables of agents `has` admits; stale ones (no such agent) are deleted. */
export async function loadStoredTimers(
  kv: Deno.Kv,
  has: (name: string) => boolean,
): Promise<[string, TimerTable][]> {
  const out: [string, TimerTable][] = [];
  for await (const e of kv.list({ prefix: ["agent-timers"] })) {
    const name = e.key[1];
    const parsed = TimerTableSchema.safeParse(e.value);
    if (typeof name !== "string" || !has(name) || !parsed.success) {
      await kv.delete(e.key);
      continue;
    }
    out.push([name, parsed.data]);
  }
  return out;
}
