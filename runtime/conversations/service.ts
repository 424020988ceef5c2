import { type AgentIdentifier, aid } from "../acl/mod.ts";
import { GroupCommit, type TimerHandle, type Timers, UNREF_TIMERS } from "../async/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { EventBus } from "../events/mod.ts";
import type { Logger } from "../log/mod.ts";
import {
  type Delivery,
  type MessageRouter,
  newMessageId,
  type RouteOutcome,
} from "../routing/mod.ts";
import {
  DEFAULT_TRACKER_LIMITS,
  expected,
  parseProtocolName,
  start,
  trackDeadline,
  type TrackedMessage,
  type TrackerEffect,
  type TrackerLimits,
  type TrackerState,
  TrackerStateSchema,
  trackMessage,
  type TrackResult,
  trackTimeout,
  type Violation,
  violationError,
} from "../../protocols/mod.ts";
import { zodIssues } from "../acl/mod.ts";
import { nextDue } from "./deadlines.ts";
import { type ConversationView, viewConversations } from "./views.ts";
import { type ConversationDetails, mergeViews } from "./details.ts";
import {
  type HistoryEntry,
  type HistoryLimits,
  type HistoryPage,
  MessageHistory,
} from "./history.ts";
import { type DeadlineNotice, deadlineNotices, noticeMessage } from "./notices.ts";
import { type CanonicalName, canonicalNames, trackedFromAcl } from "./seen.ts";
import { TrackerStore } from "./store.ts";
import type { ConversationKv, StoredConversations, TrackerChange } from "./kv-store.ts";
import { SubConversationLinks } from "./links.ts";

/** What a {@link ConversationService} needs. */
export interface ConversationServiceOptions {
  router: MessageRouter;
  /** Whether a local name is an agent of this node (whose conversations are checked). */
  isAgent(localName: string): boolean;
  /** Clock, ms since the epoch. */
  now?: () => number;
  /**
   * The deadline and sweep timers (default: unref'd real ones); `null`: none (the owner
   * calls {@link ConversationService.tick}).
   */
  timers?: Timers | null;
  events?: EventBus;
  log?: Logger;
  /**
   * Bounds of each agent's tracker: `maxActive` conversations under way and `maxFinished`
   * ended ones per agent, `maxTrail` messages per conversation, `idleMs`.
   */
  limits?: Partial<TrackerLimits>;
  /** Bounds of the message history. */
  history?: Partial<HistoryLimits>;
  /** Messages older than this leave the history (checked by the sweep), ms; default: never. */
  historyMaxAgeMs?: number;
  /**
   * Where history and trackers are kept across restarts (default: nowhere). Call
   * {@link ConversationService.load} before {@link ConversationService.attach}, and
   * {@link ConversationService.restoreTrackers} once the node's agents are back.
   */
  store?: ConversationKv;
  /** Agents with trackers kept at most (agents removed from the node are dropped first). */
  maxTrackers?: number;
  /**
   * How often idle conversations are expired and trackers of departed agents dropped, ms
   * (default 60 000). `reply_by` deadlines do not wait for it: they have their own timer.
   */
  sweepMs?: number;
}

/** Counts for metrics and tests. */
export interface ConversationStats {
  trackers: number;
  active: number;
  finished: number;
  pending_deadlines: number;
  history_messages: number;
  history_bytes: number;
}

const MAX_DESIGNATED = 4096;
const MAX_RETIRED = 256;
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Conversation policing for the agents of this node, over the router's guard and observer:
 *
 * - A message a local agent (or a platform endpoint such as a task initiator) sends is
 *   checked against the sender's tracker; a message to a local agent against the
 *   receiver's. HTTP clients and other nodes are not checked as senders. A message that
 *   breaks its protocol is refused with `409 PROTOCOL_VIOLATION` and reaches nobody.
 * - A conversation a tracker never saw open (it began on another node, before a restart,
 *   or was forgotten to keep memory bounded) cannot be checked: an agent's message that
 *   continues it, and an answer (`in_reply_to`) to an agent in it, pass unchecked. Acts
 *   that could open the protocol they name are always checked.
 * - `reply_by` deadlines are fed to the trackers from one timer; when they pass, the
 *   initiator is told with a notice from the AMS ({@link DeadlineNotice}).
 * - Every routed message goes into a bounded history, kept in memory and, with a `store`,
 *   written to Deno KV with the trackers (group commits), so both survive a restart.
 *
 * Trackers are plain JSON ({@link getTrackerState}/{@link setTrackerState}), so that an
 * agent's snapshot can carry them. Messages a guard accepted but the endpoint then failed
 * to take stay recorded in the trackers (the router has no failure hook).
 *
 * @example
 * ```ts
 * const conv = new ConversationService({ router, isAgent: (n) => agents.has(n) });
 * const detach = conv.attach();
 * conv.view("c1")?.state;
 * ```
 */
export class ConversationService {
  readonly history: MessageHistory;
  readonly #router: MessageRouter;
  readonly #opts: ConversationServiceOptions;
  readonly #now: () => number;
  readonly #timers: Timers | null;
  readonly #canon: CanonicalName;
  readonly #ams: AgentIdentifier;
  readonly #store: TrackerStore;
  readonly #links = new SubConversationLinks();
  /** When each conversation's shard next has a deadline due, by `agent\u0000cid`. */
  readonly #due = new Map<string, number>();
  readonly #endpoints = new Set<string>();
  readonly #retired = new Set<string>();
  readonly #exempt = new Set<string>();
  readonly #designated = new Map<string, { initiator: string; receivers: Set<string> }>();
  readonly #maxTrackers: number;
  #timer: TimerHandle;
  #timerAt = Infinity;
  #sweepTimer: TimerHandle;
  #closed = false;
  /** Writes of history and tracker changes (with a store). */
  readonly #writes: GroupCommit | undefined;
  /** Tracker shards loaded by {@link load}, until {@link restoreTrackers}. */
  #loadedTrackers: StoredConversations["trackers"] = [];

  constructor(opts: ConversationServiceOptions) {
    this.#opts = opts;
    this.#router = opts.router;
    this.#now = opts.now ?? Date.now;
    this.#timers = opts.timers === undefined ? UNREF_TIMERS : opts.timers;
    this.#canon = canonicalNames((n) => opts.router.localName(n), opts.router.platform);
    this.#ams = aid(`ams@${opts.router.platform}`);
    this.#maxTrackers = opts.maxTrackers ?? 100_000;
    const trackChanges = opts.store !== undefined;
    this.#store = new TrackerStore({ ...DEFAULT_TRACKER_LIMITS, ...opts.limits }, {
      trackChanges,
    });
    this.history = new MessageHistory(opts.history, { trackChanges });
    const store = opts.store;
    if (store !== undefined) {
      this.#writes = new GroupCommit(async () => {
        const history = this.history.takeChanges();
        const trackers: TrackerChange[] = this.#store.takeChanged()
          .map(([agent, cid]) => [agent, cid, this.#store.get(agent, cid)]);
        if (history.added.length + history.dropped.length + trackers.length === 0) return;
        await store.write(history, trackers);
      }, (e) => this.#opts.log?.error("could not keep conversation history", { error: String(e) }));
    }
  }

  /**
   * Reads what the store kept before a restart: the history is back at once (positions
   * continue after it; entries past the bounds or the age limit are dropped), the trackers
   * wait for {@link restoreTrackers}.
   */
  async load(): Promise<{ messages: number; trackers: number }> {
    if (this.#opts.store === undefined) return { messages: 0, trackers: 0 };
    const stored = await this.#opts.store.load();
    this.history.restore(stored.history);
    this.#expireHistory(this.#now());
    this.#loadedTrackers = stored.trackers;
    await this.flush();
    return { messages: this.history.size, trackers: stored.trackers.length };
  }

  /**
   * Puts back the trackers {@link load} read (once the agents are back, so they are kept),
   * with their deadlines; trackers of agents no longer here are forgotten at the next sweep.
   */
  restoreTrackers(): void {
    const shards = this.#loadedTrackers;
    this.#loadedTrackers = [];
    for (const { agent, cid, state } of shards) {
      if (state.agent !== agent) continue;
      this.#store.put(agent, cid, state);
      this.#schedule(agent, cid, state);
    }
    this.persistSoon();
  }

  /** Resolves once every change so far is written to the store. */
  async flush(): Promise<void> {
    await this.#writes?.flush();
  }

  /**
   * Writes the changes of history and trackers soon, in one go (group commit); for changes
   * made from outside (e.g. `history.adopt`).
   */
  persistSoon(): void {
    this.#writes?.soon();
  }

  #expireHistory(nowMs: number): void {
    const age = this.#opts.historyMaxAgeMs;
    if (age === undefined) return;
    this.history.dropAcceptedBefore(new Date(nowMs - age).toISOString());
  }

  /**
   * Adds the guard and the observer to the router, and starts the idle sweep; returns
   * their removal.
   */
  attach(): () => void {
    const offGuard = this.#router.addGuard((d, local) => this.check(d, local));
    const offObserver = this.#router.addObserver((d, out) => this.record(d, out));
    this.#armSweep();
    return () => {
      offGuard();
      offObserver();
    };
  }

  /**
   * Checks a message with the trackers of its local sender and receivers (the router's
   * guard). Commits the new states when every check passes; throws `PROTOCOL_VIOLATION`
   * otherwise (a sender's own violation ends its conversation; a receiver's view is left
   * as it was, since it never gets the message).
   */
  check(d: Delivery, local: readonly AgentIdentifier[]): void {
    if (this.#exempt.has(d.message_id)) return;
    const msg = d.message;
    const cid = msg.conversation_id;
    if (cid === undefined || cid === "") return;
    const seen = trackedFromAcl(msg, this.#canon, d.accepted_at);
    type Staged = {
      shard: string;
      before?: TrackerState;
      state: TrackerState;
      effects: TrackerEffect[];
      link?: string;
    };
    const staged = new Map<string, Staged>();
    if (d.origin === undefined || d.origin === "agent" || d.origin === "platform") {
      const sender = msg.sender === undefined ? undefined : this.#router.localName(msg.sender);
      if (sender !== undefined && this.isTracked(sender)) {
        const name = seen.from;
        const sent = this.#redirect(name, seen);
        const t = this.#track(name, cid, "sent", sent);
        const { shard, before, r } = t;
        if (!r.ok && before === undefined && !opens(seen)) {
          // A continuation of a conversation this node never saw open (it began on
          // another node, or before a restart, or was forgotten): not checkable.
          staged.set(name, { shard, before, state: this.#store.fresh(name), effects: [] });
        } else if (!r.ok) {
          this.#commit(name, shard, before, r.state, r.effects);
          this.#violated(name, r.violation, d);
          throw violationError(r.violation);
        } else {staged.set(name, {
            shard,
            before,
            state: r.state,
            effects: r.effects,
            link: t.link,
          });}
      }
    }
    for (const to of local) {
      const l = this.#router.localName(to);
      if (l === undefined || !this.isTracked(l)) continue;
      const name = `${l}@${this.#router.platform}`;
      if (staged.has(name)) continue;
      const t = this.#track(name, cid, "received", seen);
      const { shard, before, r } = t;
      if (!r.ok && before === undefined && seen.in_reply_to !== undefined && !opens(seen)) {
        // An answer (in_reply_to) in a conversation this agent's tracker does not know.
        continue;
      }
      if (!r.ok) {
        this.#violated(name, r.violation, d);
        throw violationError(r.violation);
      }
      staged.set(name, { shard, before, state: r.state, effects: r.effects, link: t.link });
      if (r.tracked && seen.reply_to !== undefined && seen.reply_to.length > 0) {
        this.#designate(name, seen);
      }
    }
    for (const [name, r] of staged) {
      if (r.link !== undefined) this.#links.link(name, cid, r.link);
      if (r.before !== undefined ? r.state !== r.before : tracks(r.state)) {
        this.#commit(name, r.shard, r.before, r.state, r.effects);
      }
    }
  }

  /**
   * Tracks one message of conversation `cid` for `name`: in the shard that holds it (its
   * own, or the brokering/recruiting conversation it was linked to), or, for a conversation
   * this agent has no tracker for, as a new sub-conversation of one of its brokering or
   * recruiting conversations when one takes it (`link` then names that conversation).
   */
  #track(
    name: string,
    cid: string,
    direction: "sent" | "received",
    seen: TrackedMessage,
  ): { shard: string; before?: TrackerState; r: TrackResult; link?: string } {
    const shard = this.#links.shardOf(name, cid);
    const before = this.#store.get(name, shard);
    if (before === undefined) {
      const parent = this.#links.findParent(this.#store.shards(name), direction, seen);
      if (parent !== undefined) {
        return { shard: parent.shard, before: parent.before, r: parent.result, link: parent.shard };
      }
    }
    return { shard, before, r: trackMessage(before ?? this.#store.fresh(name), direction, seen) };
  }

  /** Records a routed message in the history (the router's observer). */
  record(d: Delivery, outcomes: RouteOutcome[]): void {
    this.history.add(d, outcomes);
    this.persistSoon();
  }

  /** Whether messages of this local name are checked (an agent or a platform endpoint). */
  isTracked(localName: string): boolean {
    return this.#endpoints.has(localName) || this.#opts.isAgent(localName);
  }

  /**
   * Checks the conversations of a platform endpoint (e.g. a task's contract-net initiator)
   * as if it were an agent. Returns the function that stops; its tracker is kept for
   * viewing a while (a bounded number of retired endpoints).
   */
  trackEndpoint(localName: string): () => void {
    this.#endpoints.add(localName);
    this.#retired.delete(localName);
    return () => {
      if (!this.#endpoints.delete(localName)) return;
      this.#retired.add(localName);
      if (this.#retired.size > MAX_RETIRED) {
        const oldest = this.#retired.values().next().value!;
        this.#retired.delete(oldest);
        this.dropTracker(oldest);
      }
    };
  }

  /** The state of an agent's tracker (plain JSON, for its snapshot), if it has one. */
  getTrackerState(agent: string): TrackerState | undefined {
    return this.#store.merged(this.#canon(agent));
  }

  /**
   * Replaces an agent's tracker with a state from a snapshot.
   *
   * @throws {ApiError} `INVALID_REQUEST` when the state is malformed or is another agent's.
   */
  setTrackerState(agent: string, state: unknown): void {
    const name = this.#canon(agent);
    const r = TrackerStateSchema.safeParse(state);
    if (!r.success) {
      const issues = zodIssues(r.error);
      throw new ApiError(
        "INVALID_REQUEST",
        `Invalid tracker state: ${issues[0].path?.join(".") || "state"}: ${issues[0].message}`,
        { agent: name, issues },
      );
    }
    const st = r.data;
    if (this.#canon(st.agent) !== name) {
      throw new ApiError(
        "INVALID_REQUEST",
        `Tracker state belongs to '${st.agent}', not '${name}'`,
        { agent: name, state_agent: st.agent },
      );
    }
    this.dropTracker(name);
    this.#store.replace(name, { ...st, agent: name });
    for (const [cid, shard] of [...this.#store.shards(name)]) this.#schedule(name, cid, shard);
    this.persistSoon();
  }

  /** Forgets an agent's tracker. */
  dropTracker(agent: string): void {
    const name = this.#canon(agent);
    for (const cid of this.#store.dropAgent(name)) this.#due.delete(dueKey(name, cid));
    this.persistSoon();
    this.#links.dropAgent(name);
  }

  /**
   * Gives up waiting in a conversation of a local agent (on one party, or all): its
   * threads time out and the initiator is told.
   */
  timeout(agent: string, conversationId: string, party?: string): void {
    const name = this.#canon(agent);
    const before = this.#store.get(name, conversationId);
    if (before === undefined) return;
    const r = trackTimeout(
      before,
      conversationId,
      party === undefined ? undefined : this.#canon(party),
    );
    this.#commit(name, conversationId, before, r.state, []);
    for (const n of deadlineNotices(before, r.state, r.effects)) this.#notify(n);
  }

  /**
   * Feeds the clock to every conversation with a deadline due by `nowMs`, and sends the
   * notices that calls for. The timer calls it; tests may call it directly.
   */
  tick(nowMs: number = this.#now()): void {
    const at = new Date(nowMs).toISOString();
    for (const [key, due] of [...this.#due]) {
      if (due > nowMs) continue;
      const [name, cid] = splitKey(key);
      const before = this.#store.get(name, cid);
      if (before === undefined) {
        this.#due.delete(key);
        continue;
      }
      this.#expire(name, cid, before, at);
      // A deadline the machines would not take must not spin the timer.
      const again = this.#due.get(key);
      if (again !== undefined && again <= nowMs) this.#due.set(key, nowMs + 1000);
    }
    this.#collect();
    this.#arm(true);
  }

  /**
   * Expires conversations idle longer than the trackers' `idleMs` (telling initiators) and
   * drops the trackers of agents that left. Subscriptions (`fipa-subscribe`,
   * `fipa-request-when`) may rightly stay quiet for long: they do not go idle. The sweep
   * timer calls it; tests may too.
   */
  sweep(nowMs: number = this.#now()): void {
    const at = new Date(nowMs).toISOString();
    for (const [name, cid, before] of [...this.#store.activeShards()]) {
      if (Object.values(before.active).every((c) => LONG_LIVED.has(c.machine.protocol))) continue;
      this.#expire(name, cid, before, at);
    }
    this.#collect();
    this.#expireHistory(nowMs);
    this.persistSoon();
  }

  /** Every local view of a conversation, merged; `undefined` when no local agent knows it. */
  view(conversationId: string): ConversationDetails | undefined {
    const views: ConversationView[] = [];
    for (const name of this.#store.agents()) {
      const st = this.#store.get(name, this.#links.shardOf(name, conversationId));
      if (st === undefined || !this.#keeps(name)) continue;
      views.push(...viewConversations(st, conversationId));
    }
    return mergeViews(conversationId, views);
  }

  /**
   * {@link view}, or `NOT_FOUND` naming the conversation (`GET /api/v1/conversations/{id}`,
   * the MCP tool and resource).
   */
  requireView(conversationId: string): ConversationDetails {
    const d = this.view(conversationId);
    if (d !== undefined) return d;
    throw new ApiError(
      "NOT_FOUND",
      `No agent of this node takes part in conversation '${conversationId}'`,
      { conversation_id: conversationId },
    );
  }

  /** A page of the message history, optionally of one conversation and/or one agent. */
  messages(q: {
    conversation_id?: string;
    agent?: string;
    limit: number;
    cursor?: string;
    order?: "asc" | "desc";
  }): HistoryPage {
    const agent = q.agent === undefined ? undefined : this.#canon(q.agent);
    const match = agent === undefined
      ? undefined
      : (e: HistoryEntry) =>
        (e.message.sender !== undefined && this.#canon(e.message.sender.name) === agent) ||
        e.message.receivers.some((r) => this.#canon(r.name) === agent);
    return this.history.query({ ...q, match });
  }

  /** Counts of trackers, conversations, pending deadlines and history. */
  stats(): ConversationStats {
    const { active, finished } = this.#store.counts();
    return {
      trackers: this.#store.size,
      active,
      finished,
      pending_deadlines: this.#due.size,
      history_messages: this.history.size,
      history_bytes: this.history.bytes,
    };
  }

  /** Stops the timer. Trackers and history stay readable. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#timers?.clear(this.#timer);
    if (this.#sweepTimer !== undefined) this.#timers?.clear(this.#sweepTimer);
    this.#timer = undefined;
    this.#sweepTimer = undefined;
    this.#timerAt = Infinity;
  }

  // ---- internals ----

  /** Passes the clock to one conversation's shard; routes the notices it calls for. */
  #expire(name: string, cid: string, before: TrackerState, at: string): void {
    const r = trackDeadline(before, at);
    if (r.state === before) return;
    this.#commit(
      name,
      cid,
      before,
      r.state,
      r.effects.filter((e) => e.type !== "notify-initiator"),
    );
    for (const n of deadlineNotices(before, r.state, r.effects)) this.#notify(n);
  }

  #commit(
    name: string,
    cid: string,
    before: TrackerState | undefined,
    state: TrackerState,
    effects: readonly TrackerEffect[],
  ): void {
    if (state !== before) {
      const { evicted, dropped } = this.#store.put(name, cid, state);
      for (const gone of dropped) this.#due.delete(dueKey(name, gone));
      for (const gone of evicted) {
        this.#due.delete(dueKey(name, gone));
        this.#opts.events?.publish({
          type: "conversation.ended",
          agent_id: name,
          conversation_id: gone,
          details: { by: "evicted" },
        });
      }
    }
    this.#schedule(name, cid, state);
    if (this.#store.size > this.#maxTrackers) this.#collect();
    for (const e of effects) this.#effect(name, e);
    this.persistSoon();
  }

  /** Notes when a conversation's shard next has a deadline due, and arms the timer. */
  #schedule(name: string, cid: string, state: TrackerState): void {
    const key = dueKey(name, cid);
    const due = this.#store.get(name, cid) === undefined
      ? undefined
      : nextDue(state, { idle: false });
    if (due === undefined) this.#due.delete(key);
    else this.#due.set(key, due);
    if (due !== undefined && due < this.#timerAt) this.#arm(false, due);
  }

  #effect(agent: string, e: TrackerEffect): void {
    const ev = this.#opts.events;
    switch (e.type) {
      case "conversation-started":
        ev?.publish({
          type: "conversation.started",
          agent_id: agent,
          conversation_id: e.conversation_id,
          details: { role: e.role, protocol: e.protocol },
        });
        break;
      case "conversation-ended":
        ev?.publish({
          type: "conversation.ended",
          agent_id: agent,
          conversation_id: e.conversation_id,
          details: { role: e.role, by: e.by },
        });
        break;
      case "notify-initiator":
        this.#notify({
          kind: "timeout",
          to: e.initiator,
          self: e.self,
          conversation_id: e.conversation_id,
          protocol: e.protocol,
          parties: e.parties,
          reason: e.reason,
          deadlines: [],
        });
        break;
    }
  }

  #violated(agent: string, v: Violation, d: Delivery): void {
    this.#opts.events?.publish({
      type: "conversation.violation",
      agent_id: agent,
      message_id: d.message_id,
      conversation_id: d.message.conversation_id,
      performative: d.message.performative,
      details: { ...v },
    });
  }

  /** Routes a deadline notice to the initiator when this node should tell it. */
  #notify(n: DeadlineNotice): void {
    if (this.#closed) return;
    const local = this.#router.localName(n.to);
    // Another platform or node: its own runtime tells it (or nobody can).
    if (local === undefined || !this.#router.hasLocal(local)) return;
    // A tracked initiator learns it from its own tracker, once.
    if (this.isTracked(local) && !n.self) return;
    const message_id = newMessageId();
    const d: Delivery = {
      message_id,
      message: noticeMessage(n, this.#ams),
      accepted_at: new Date(this.#now()).toISOString(),
      origin: "platform",
    };
    this.#exempt.add(message_id);
    this.#router.route(d).catch((e) =>
      this.#opts.log?.debug("deadline notice undeliverable", {
        to: n.to,
        conversation_id: n.conversation_id,
        error: (e as Error).message,
      })
    ).finally(() => this.#exempt.delete(message_id));
  }

  /** Whether a tracker is still wanted (its owner is here, or a recently retired endpoint). */
  #keeps(name: string): boolean {
    const local = this.#router.localName(name);
    return local !== undefined && (this.isTracked(local) || this.#retired.has(local));
  }

  /** Drops the trackers of agents that left the node, then the oldest ones over the bound. */
  #collect(): void {
    for (const name of this.#store.agents()) {
      if (!this.#keeps(name)) this.dropTracker(name);
    }
    const agents = this.#store.agents();
    for (let i = 0; this.#store.size > this.#maxTrackers; i++) this.dropTracker(agents[i]);
  }

  #armSweep(): void {
    if (this.#timers === null || this.#closed || this.#sweepTimer !== undefined) return;
    this.#sweepTimer = this.#timers.set(() => {
      this.#sweepTimer = undefined;
      try {
        this.sweep();
      } catch (e) {
        this.#opts.log?.error("conversation sweep failed", { error: String(e) });
      }
      this.#armSweep();
    }, this.#opts.sweepMs ?? 60_000);
  }

  /** (Re)arms the timer for the earliest due time (`full`: rescan everything). */
  #arm(full: boolean, due?: number): void {
    if (this.#timers === null || this.#closed) return;
    let at = due ?? Infinity;
    if (full) { for (const d of this.#due.values()) at = Math.min(at, d); }
    if (!full && at >= this.#timerAt) return;
    if (this.#timer !== undefined) this.#timers.clear(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (!Number.isFinite(at)) return;
    const ms = Math.min(MAX_TIMER_MS, Math.max(0, at - this.#now() + 1));
    this.#timer = this.#timers.set(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      try {
        this.tick();
      } catch (e) {
        this.#opts.log?.error("conversation deadline tick failed", { error: String(e) });
        this.#arm(true);
      }
    }, ms);
  }

  #designate(agent: string, seen: TrackedMessage): void {
    const key = `${agent}\u0000${seen.conversation_id}`;
    this.#designated.delete(key);
    this.#designated.set(key, { initiator: seen.from, receivers: new Set(seen.reply_to) });
    if (this.#designated.size > MAX_DESIGNATED) {
      this.#designated.delete(this.#designated.keys().next().value!);
    }
  }

  /**
   * An answer sent to the `reply_to` agents its conversation's opening named goes, for the
   * sender's own tracker, to the initiator it stands for (FIPA `reply-to`; recruiting).
   */
  #redirect(agent: string, seen: TrackedMessage): TrackedMessage {
    if (this.#designated.size === 0) return seen;
    const rec = this.#designated.get(`${agent}\u0000${seen.conversation_id}`);
    if (
      rec === undefined || seen.to.length === 0 || seen.to.includes(rec.initiator) ||
      !seen.to.every((t) => rec.receivers.has(t))
    ) return seen;
    return { ...seen, to: [rec.initiator] };
  }
}

/** Whether a tracker holds any conversation (worth keeping). */
function tracks(st: TrackerState): boolean {
  return st.finished.length > 0 || Object.keys(st.active).length > 0;
}

/** Protocols whose conversations may rightly stay quiet for long (never idle-expired). */
const LONG_LIVED: ReadonlySet<string> = new Set(["fipa-subscribe", "fipa-request-when"]);

const OPENINGS = new Map<string, readonly string[]>();

/** Whether a message's act opens the protocol it names (so it can start a conversation). */
function opens(seen: TrackedMessage): boolean {
  const p = seen.protocol === undefined ? undefined : parseProtocolName(seen.protocol);
  if (p === undefined) return false;
  let acts = OPENINGS.get(p);
  if (acts === undefined) {
    acts = expected(start(p, "initiator")).flatMap((m) => m.performatives);
    OPENINGS.set(p, acts);
  }
  return acts.includes(seen.performative);
}

function dueKey(agent: string, cid: string): string {
  return `${agent}\u0000${cid}`;
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf("\u0000");
  return [key.slice(0, i), key.slice(i + 1)];
}
