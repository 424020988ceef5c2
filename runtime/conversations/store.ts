import {
  createTracker,
  type TrackedConversation,
  type TrackerLimits,
  type TrackerState,
  type TrackerStateJson,
} from "../../protocols/mod.ts";
import { holdsProxy } from "./links.ts";

/** One agent's conversations: each conversation id has its own small tracker state. */
interface AgentShards {
  /** Shards with a conversation under way, least recently used first. */
  active: Map<string, TrackerState>;
  /** Shards whose conversations all ended, least recently ended first. */
  finished: Map<string, TrackerState>;
  /**
   * The ids of the shards under way that hold a brokering or recruiting conversation, in
   * the order of `active` (what {@link TrackerStore.proxyShards} goes through, instead of
   * every shard of the agent on every new conversation).
   */
  proxies: Set<string>;
}

function isActive(st: TrackerState): boolean {
  return st.active.size > 0;
}

/**
 * The trackers of a node's agents, kept per agent and per conversation id. A tracker step
 * copies the state it is given, so one state per agent would cost every message in
 * proportion to all the agent's conversations; a shard holds only the conversations of
 * one id (every message of which the tracker looks at), and this store keeps the bounds
 * the tracker would: `maxActive` conversations under way per agent (the least recently
 * used beyond it is forgotten) and `maxFinished` ended ones (the oldest go first). An
 * agent's shards merge into one {@link TrackerState} for its snapshot, and split back.
 * No clock, no I/O.
 *
 * @example
 * ```ts
 * const store = new TrackerStore(DEFAULT_TRACKER_LIMITS);
 * const r = trackMessage(store.get("a@p", "c1") ?? store.fresh("a@p"), "sent", seen);
 * if (r.ok) store.put("a@p", "c1", r.state);
 * store.merged("a@p"); // the agent's whole tracker state
 * ```
 */
export class TrackerStore {
  readonly #agents = new Map<string, AgentShards>();
  /**
   * Shards changed since the last {@link takeChanged}, by agent then conversation id (no
   * key built per message), when tracked.
   */
  #changed: Map<string, Set<string>> | undefined;

  constructor(readonly limits: TrackerLimits, opts: { trackChanges?: boolean } = {}) {
    if (opts.trackChanges) this.#changed = new Map();
  }

  /**
   * The shards changed (stored, replaced or forgotten) since the last call, as
   * `[agent, cid]`; {@link get} says what each is now (`undefined`: forgotten). Only with
   * `trackChanges`.
   */
  takeChanged(): [string, string][] {
    if (this.#changed === undefined) return [];
    const out: [string, string][] = [];
    for (const [agent, cids] of this.#changed) {
      for (const cid of cids) out.push([agent, cid]);
    }
    this.#changed.clear();
    return out;
  }

  #touch(agent: string, cid: string): void {
    const changed = this.#changed;
    if (changed === undefined) return;
    let cids = changed.get(agent);
    if (cids === undefined) changed.set(agent, cids = new Set());
    cids.add(cid);
  }

  /** A new, empty shard state for `agent`. */
  fresh(agent: string): TrackerState {
    return createTracker(agent, this.limits);
  }

  /** The shard of one conversation id, if the agent has one. */
  get(agent: string, cid: string): TrackerState | undefined {
    const a = this.#agents.get(agent);
    return a?.active.get(cid) ?? a?.finished.get(cid);
  }

  /**
   * Stores a conversation's shard (as most recently used) and keeps the bounds. Returns
   * the conversation ids forgotten to keep them: `evicted` were under way, `dropped` had
   * ended.
   */
  put(agent: string, cid: string, state: TrackerState): { evicted: string[]; dropped: string[] } {
    let a = this.#agents.get(agent);
    if (a === undefined) {
      this.#agents.set(agent, a = { active: new Map(), finished: new Map(), proxies: new Set() });
    }
    a.active.delete(cid);
    a.finished.delete(cid);
    a.proxies.delete(cid);
    this.#touch(agent, cid);
    const evicted: string[] = [];
    const dropped: string[] = [];
    if (isActive(state)) {
      a.active.set(cid, state);
      if (holdsProxy(state)) a.proxies.add(cid);
      while (a.active.size > this.limits.maxActive) {
        const oldest = a.active.keys().next().value!;
        a.active.delete(oldest);
        a.proxies.delete(oldest);
        evicted.push(oldest);
      }
    } else if (state.finished.length > 0) {
      a.finished.set(cid, state);
      while (a.finished.size > this.limits.maxFinished) {
        const oldest = a.finished.keys().next().value!;
        a.finished.delete(oldest);
        dropped.push(oldest);
      }
    }
    if (a.active.size === 0 && a.finished.size === 0) this.#agents.delete(agent);
    for (const gone of evicted) this.#touch(agent, gone);
    for (const gone of dropped) this.#touch(agent, gone);
    return { evicted, dropped };
  }

  /** Forgets one conversation's shard. */
  drop(agent: string, cid: string): void {
    const a = this.#agents.get(agent);
    if (a === undefined) return;
    a.active.delete(cid);
    a.finished.delete(cid);
    a.proxies.delete(cid);
    this.#touch(agent, cid);
    if (a.active.size === 0 && a.finished.size === 0) this.#agents.delete(agent);
  }

  /** Forgets an agent; returns the conversation ids it had. */
  dropAgent(agent: string): string[] {
    const a = this.#agents.get(agent);
    if (a === undefined) return [];
    this.#agents.delete(agent);
    const cids = [...a.active.keys(), ...a.finished.keys()];
    for (const cid of cids) this.#touch(agent, cid);
    return cids;
  }

  /** The agents with any conversation, least recently first-seen first. */
  agents(): string[] {
    return [...this.#agents.keys()];
  }

  /** Number of agents with any conversation. */
  get size(): number {
    return this.#agents.size;
  }

  /** An agent's shards, as `[cid, state]`. */
  *shards(agent: string): Generator<[string, TrackerState]> {
    const a = this.#agents.get(agent);
    if (a === undefined) return;
    yield* a.active;
    yield* a.finished;
  }

  /**
   * An agent's shards under way that hold a brokering or recruiting conversation (those
   * that may take a message of another conversation as a sub-conversation), as
   * `[cid, state]`, least recently used first.
   */
  *proxyShards(agent: string): Generator<[string, TrackerState]> {
    const a = this.#agents.get(agent);
    if (a === undefined) return;
    for (const cid of a.proxies) yield [cid, a.active.get(cid)!];
  }

  /** Whether an agent has a brokering or recruiting conversation under way. */
  hasProxies(agent: string): boolean {
    const a = this.#agents.get(agent);
    return a !== undefined && a.proxies.size > 0;
  }

  /** Every shard with a conversation under way, as `[agent, cid, state]`. */
  *activeShards(): Generator<[string, string, TrackerState]> {
    for (const [agent, a] of this.#agents) {
      for (const [cid, st] of a.active) yield [agent, cid, st];
    }
  }

  /** Conversations under way and ended, over all agents. */
  counts(): { active: number; finished: number } {
    let active = 0;
    let finished = 0;
    for (const a of this.#agents.values()) {
      for (const st of [...a.active.values(), ...a.finished.values()]) {
        active += st.active.size;
        finished += st.finished.length;
      }
    }
    return { active, finished };
  }

  /**
   * An agent's whole tracker state (its shards merged) as plain JSON, for its snapshot, if
   * it has any conversation.
   */
  merged(agent: string): TrackerStateJson | undefined {
    const a = this.#agents.get(agent);
    if (a === undefined) return undefined;
    const active: Record<string, TrackedConversation> = {};
    const finished: TrackedConversation[] = [];
    let clock = 0;
    for (const st of [...a.finished.values(), ...a.active.values()]) {
      for (const [key, c] of st.active) active[key] = c;
      finished.push(...st.finished);
      clock = Math.max(clock, st.clock);
    }
    return { v: 1, agent, limits: { ...this.limits }, clock, active, finished };
  }

  /** Replaces an agent's conversations with those of a whole tracker state (plain JSON). */
  replace(agent: string, state: TrackerStateJson): void {
    this.dropAgent(agent);
    const shards = new Map<string, TrackerState>();
    const shard = (cid: string) => {
      let s = shards.get(cid);
      if (s === undefined) {
        s = { ...createTracker(agent, this.limits), clock: state.clock };
        shards.set(cid, s);
      }
      return s;
    };
    for (const c of state.finished) shard(c.conversation_id).finished.push(c);
    const byUse = Object.entries(state.active).sort(([, x], [, y]) => x.touched - y.touched);
    for (const [key, c] of byUse) shard(c.conversation_id).active.set(key, c);
    for (const [cid, s] of shards) this.put(agent, cid, s);
  }
}
