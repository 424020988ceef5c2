/**
 * The trackers of a node's agents with everything a change of them implies: due times,
 * events, notices to initiators, bounds, and their steps by the clock.
 * @module
 */
import { zodIssues } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { EventBus } from "../events/mod.ts";
import {
  trackDeadline,
  type TrackerEffect,
  type TrackerState,
  type TrackerStateJson,
  TrackerStateSchema,
  trackTimeout,
} from "../../protocols/mod.ts";
import type { DeadlineTimer } from "./deadline-timer.ts";
import { nextDue } from "./deadlines.ts";
import type { StoredConversations } from "./kv-store.ts";
import type { SubConversationLinks } from "./links.ts";
import { type DeadlineNotice, deadlineNotices } from "./notices.ts";
import type { CanonicalName } from "./seen.ts";
import type { TrackerStore } from "./store.ts";
import { effectOutput, evictedEvent } from "./tracker-events.ts";

/** What {@link Trackers} needs. */
export interface TrackersOptions {
  store: TrackerStore;
  links: SubConversationLinks;
  /** The due times of the shards (and their timer). */
  due: DeadlineTimer;
  canon: CanonicalName;
  /** Whether the tracker of an agent (canonical name) is still wanted. */
  keeps(name: string): boolean;
  /** Agents with trackers kept at most (agents no longer wanted are dropped first). */
  maxTrackers: number;
  events?: EventBus;
  /** Tells an initiator a deadline passed (when this node should). */
  notify(n: DeadlineNotice): void;
  /** Called after every change (to write it soon). */
  changed(): void;
}

/** Protocols whose conversations may rightly stay quiet for long (never idle-expired). */
const LONG_LIVED: ReadonlySet<string> = new Set(["fipa-subscribe", "fipa-request-when"]);

/**
 * The trackers of the node's agents (a {@link TrackerStore} of shards, one per agent and
 * conversation id) kept consistent with what depends on them: each stored shard gets its
 * next due time, conversations forgotten to keep the bounds end with an event, the
 * trackers' effects become bus events and notices, trackers of agents no longer wanted go
 * (then the oldest beyond `maxTrackers`), and every change is reported (`changed`). The
 * clock steps them too: due deadlines ({@link tick}), idle conversations ({@link sweep}),
 * a shell's timeout ({@link timeout}).
 *
 * @example
 * ```ts
 * const trackers = new Trackers({ store, links, due, canon, keeps, maxTrackers: 1000,
 *   notify: (n) => notices.send(n), changed: () => writes.soon() });
 * trackers.commit("a@p", "c1", before, after, effects);
 * trackers.tick(Date.now());
 * ```
 */
export class Trackers {
  readonly #o: TrackersOptions;

  constructor(opts: TrackersOptions) {
    this.#o = opts;
  }

  /** The store of shards (read it; change it through this class). */
  get store(): TrackerStore {
    return this.#o.store;
  }

  /**
   * Stores a shard's new state (when it changed) with its due time, and carries out its
   * effects; forgotten conversations and over-bound trackers go.
   */
  commit(
    name: string,
    cid: string,
    before: TrackerState | undefined,
    state: TrackerState,
    effects: readonly TrackerEffect[],
  ): void {
    const { store, due, events } = this.#o;
    if (state !== before) {
      const { evicted, dropped } = store.put(name, cid, state);
      for (const gone of dropped) due.delete(name, gone);
      for (const gone of evicted) {
        due.delete(name, gone);
        events?.publish(evictedEvent(name, gone));
      }
    }
    this.#schedule(name, cid, state);
    if (store.size > this.#o.maxTrackers) this.collect();
    for (const e of effects) {
      const out = effectOutput(name, e);
      if ("event" in out) events?.publish(out.event);
      else this.#o.notify(out.notice);
    }
    this.#o.changed();
  }

  /** Forgets an agent's tracker (with its due times and sub-conversation links). */
  drop(agent: string): void {
    const name = this.#o.canon(agent);
    for (const cid of this.#o.store.dropAgent(name)) this.#o.due.delete(name, cid);
    this.#o.changed();
    this.#o.links.dropAgent(name);
  }

  /** Drops the trackers no longer wanted, then the oldest ones over the bound. */
  collect(): void {
    const store = this.#o.store;
    for (const name of store.agents()) {
      if (!this.#o.keeps(name)) this.drop(name);
    }
    const agents = store.agents();
    for (let i = 0; store.size > this.#o.maxTrackers; i++) this.drop(agents[i]);
  }

  /** Replaces an agent's tracker with a whole (validated) state, due times included. */
  replace(name: string, state: TrackerStateJson): void {
    this.drop(name);
    this.#o.store.replace(name, { ...state, agent: name });
    for (const [cid, shard] of [...this.#o.store.shards(name)]) this.#schedule(name, cid, shard);
    this.#o.changed();
  }

  /** Puts back shards read from the store after a restart (those of their own agent). */
  restore(shards: StoredConversations["trackers"]): void {
    for (const { agent, cid, state } of shards) {
      if (state.agent !== agent) continue;
      this.#o.store.put(agent, cid, state);
      this.#schedule(agent, cid, state);
    }
    this.#o.changed();
  }

  /** Passes the clock to one shard; tells initiators what that calls for. */
  expire(name: string, cid: string, before: TrackerState, at: string): void {
    const r = trackDeadline(before, at);
    if (r.state === before) return;
    this.commit(name, cid, before, r.state, r.effects.filter((e) => e.type !== "notify-initiator"));
    for (const n of deadlineNotices(before, r.state, r.effects)) this.#o.notify(n);
  }

  /** Gives up waiting in a conversation (on one party, or all); the initiator is told. */
  timeout(agent: string, conversationId: string, party?: string): void {
    const name = this.#o.canon(agent);
    const before = this.#o.store.get(name, conversationId);
    if (before === undefined) return;
    const r = trackTimeout(
      before,
      conversationId,
      party === undefined ? undefined : this.#o.canon(party),
    );
    this.commit(name, conversationId, before, r.state, []);
    for (const n of deadlineNotices(before, r.state, r.effects)) this.#o.notify(n);
  }

  /** Steps every shard with a deadline due by `nowMs`, then re-arms the timer. */
  tick(nowMs: number): void {
    const at = new Date(nowMs).toISOString();
    const { store, due } = this.#o;
    for (const [name, cid] of due.dueBy(nowMs)) {
      const before = store.get(name, cid);
      if (before === undefined) {
        due.delete(name, cid);
        continue;
      }
      this.expire(name, cid, before, at);
      due.postpone(name, cid, nowMs);
    }
    this.collect();
    due.rearm();
  }

  /**
   * Expires conversations idle longer than the trackers' `idleMs` (subscriptions do not go
   * idle) and drops trackers no longer wanted.
   */
  sweep(nowMs: number): void {
    const at = new Date(nowMs).toISOString();
    for (const [name, cid, before] of [...this.#o.store.activeShards()]) {
      if (before.active.values().every((c) => LONG_LIVED.has(c.machine.protocol))) continue;
      this.expire(name, cid, before, at);
    }
    this.collect();
  }

  /** Notes when a shard next has a deadline due (none once it is gone). */
  #schedule(name: string, cid: string, state: TrackerState): void {
    const due = this.#o.store.get(name, cid) === undefined
      ? undefined
      : nextDue(state, { idle: false });
    this.#o.due.set(name, cid, due);
  }
}

/**
 * An agent's tracker state from a snapshot, validated: plain JSON of the tracker schema,
 * of the agent `name` (canonical).
 *
 * @throws {ApiError} `INVALID_REQUEST` when the state is malformed or is another agent's.
 */
export function parseTrackerState(
  name: string,
  state: unknown,
  canon: CanonicalName,
): TrackerStateJson {
  const r = TrackerStateSchema.safeParse(state);
  if (!r.success) {
    const issues = zodIssues(r.error);
    throw new ApiError(
      "INVALID_REQUEST",
      `Invalid tracker state: ${issues[0].path?.join(".") || "state"}: ${issues[0].message}`,
      { agent: name, issues },
    );
  }
  if (canon(r.data.agent) !== name) {
    throw new ApiError(
      "INVALID_REQUEST",
      `Tracker state belongs to '${r.data.agent}', not '${name}'`,
      { agent: name, state_agent: r.data.agent },
    );
  }
  return r.data;
}
