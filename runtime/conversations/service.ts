import { type AgentIdentifier, aid } from "../acl/mod.ts";
import { type Timers, UNREF_TIMERS } from "../async/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { EventBus } from "../events/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Delivery, MessageRouter, RouteOutcome } from "../routing/mod.ts";
import {
  DEFAULT_TRACKER_LIMITS,
  type TrackerLimits,
  type TrackerStateJson,
  violationError,
} from "../../protocols/mod.ts";
import { DeadlineTimer } from "./deadline-timer.ts";
import { type ConversationDetails, mergeViews } from "./details.ts";
import { decide, type GuardView, untouched } from "./guard.ts";
import {
  type HistoryEntry,
  type HistoryLimits,
  type HistoryPage,
  MessageHistory,
} from "./history.ts";
import { expireHistory, historyQuery, type MessagesQuery } from "./history-query.ts";
import type { ConversationKv } from "./kv-store.ts";
import { SubConversationLinks } from "./links.ts";
import { NoticeSender } from "./notice-sender.ts";
import { ConversationPersistence } from "./persistence.ts";
import { ReplyToDesignations } from "./reply-to.ts";
import { type CanonicalName, canonicalNames } from "./seen.ts";
import { TrackerStore } from "./store.ts";
import { SweepTimer } from "./sweep-timer.ts";
import { TrackedNames } from "./tracked-names.ts";
import { violationEvent } from "./tracker-events.ts";
import { parseTrackerState, Trackers } from "./trackers.ts";
import { type ConversationView, viewConversations } from "./views.ts";

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
 * A facade over parts with one job each: the guard's pure decision ({@link decide}), the
 * names it checks ({@link TrackedNames}) and `reply_to` designations
 * ({@link ReplyToDesignations}); the trackers with what their changes imply
 * ({@link Trackers}, over the {@link TrackerStore}); the deadline timer
 * ({@link DeadlineTimer}), the sweep timer ({@link SweepTimer}) and the notices
 * ({@link NoticeSender}); the history ({@link MessageHistory}, {@link historyQuery}) and
 * their persistence ({@link ConversationPersistence}).
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
  readonly #canon: CanonicalName;
  readonly #links = new SubConversationLinks();
  readonly #replyTo = new ReplyToDesignations();
  readonly #names: TrackedNames;
  readonly #trackers: Trackers;
  readonly #due: DeadlineTimer;
  readonly #sweeper: SweepTimer;
  readonly #notices: NoticeSender;
  readonly #persistence: ConversationPersistence;
  readonly #guard: GuardView;
  /** Messages recorded in the history when routed, until their delivery ends. */
  readonly #routed = new WeakMap<Delivery, HistoryEntry>();

  constructor(opts: ConversationServiceOptions) {
    this.#opts = opts;
    const router = this.#router = opts.router;
    const now = this.#now = opts.now ?? Date.now;
    const timers = opts.timers === undefined ? UNREF_TIMERS : opts.timers;
    const canon = this.#canon = canonicalNames((n) => router.localName(n), router.platform);
    const trackChanges = opts.store !== undefined;
    const store = new TrackerStore({ ...DEFAULT_TRACKER_LIMITS, ...opts.limits }, {
      trackChanges,
    });
    this.history = new MessageHistory(opts.history, { trackChanges });
    this.#persistence = new ConversationPersistence({
      kv: opts.store,
      history: this.history,
      trackers: store,
      log: opts.log,
    });
    const names = this.#names = new TrackedNames(
      opts.isAgent,
      (local) => this.#trackers.drop(local),
    );
    this.#notices = new NoticeSender({
      router,
      ams: aid(`ams@${router.platform}`),
      now,
      isTracked: (local) => names.isTracked(local),
      log: opts.log,
    });
    this.#due = new DeadlineTimer({
      timers,
      now,
      fire: () => this.tick(),
      onError: (e) => opts.log?.error("conversation deadline tick failed", { error: String(e) }),
    });
    this.#sweeper = new SweepTimer(
      timers,
      opts.sweepMs ?? 60_000,
      () => this.sweep(),
      (e) => opts.log?.error("conversation sweep failed", { error: String(e) }),
    );
    this.#trackers = new Trackers({
      store,
      links: this.#links,
      due: this.#due,
      canon,
      keeps: (name) => this.#keeps(name),
      maxTrackers: opts.maxTrackers ?? 100_000,
      events: opts.events,
      notify: (n) => this.#notices.send(n),
      changed: () => this.persistSoon(),
    });
    this.#guard = {
      trackers: store,
      links: this.#links,
      replyTo: this.#replyTo,
      canon,
      localName: (id) => router.localName(id),
      platform: router.platform,
      isTracked: (local) => names.isTracked(local),
    };
  }

  /**
   * Reads what the store kept before a restart: the history is back at once (positions
   * continue after it; entries past the bounds or the age limit are dropped), the trackers
   * wait for {@link restoreTrackers}.
   */
  async load(): Promise<{ messages: number; trackers: number }> {
    const trackers = await this.#persistence.load();
    if (trackers === undefined) return { messages: 0, trackers: 0 };
    expireHistory(this.history, this.#opts.historyMaxAgeMs, this.#now());
    await this.flush();
    return { messages: this.history.size, trackers };
  }

  /**
   * Puts back the trackers {@link load} read (once the agents are back, so they are kept),
   * with their deadlines; trackers of agents no longer here are forgotten at the next sweep.
   */
  restoreTrackers(): void {
    this.#trackers.restore(this.#persistence.takeLoadedTrackers());
  }

  /** Resolves once every change so far is written to the store. */
  async flush(): Promise<void> {
    await this.#persistence.flush();
  }

  /**
   * Writes the changes of history and trackers soon, in one go (group commit); for changes
   * made from outside (e.g. `history.adopt`).
   */
  persistSoon(): void {
    this.#persistence.soon();
  }

  /**
   * Adds the guard and the observer to the router, and starts the idle sweep; returns
   * their removal.
   */
  attach(): () => void {
    const offGuard = this.#router.addGuard((d, local) => this.check(d, local));
    const offGuard2 = this.#router.addGuard((d) => this.#recordRouted(d));
    const offObserver = this.#router.addObserver((d, out, e) => this.record(d, out, e));
    this.#sweeper.start();
    return () => {
      offGuard();
      offGuard2();
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
    if (this.#notices.exempt(d.message_id) || untouched(this.#guard, d, local)) return;
    const r = decide(this.#guard, d, local);
    for (const { agent, seen } of r.designate) this.#replyTo.designate(agent, seen);
    if (!r.ok) {
      const s = r.step;
      if (s !== undefined) this.#trackers.commit(s.agent, s.shard, s.before, s.state, s.effects);
      this.#opts.events?.publish(violationEvent(r.agent, r.violation, d));
      throw violationError(r.violation);
    }
    const cid = d.message.conversation_id!;
    for (const s of r.steps) {
      if (s.link !== undefined) this.#links.link(s.agent, cid, s.link);
      if (s.store) this.#trackers.commit(s.agent, s.shard, s.before, s.state, s.effects);
    }
  }

  /**
   * Records a message in the history when it is routed (the router's guard, after the checks
   * passed), so the history keeps the order in which messages were routed: a send-and-wait's
   * or an at-least-once request's delivery ends only after the reply it caused.
   */
  #recordRouted(d: Delivery): void {
    if (this.#routed.has(d)) return;
    this.#routed.set(d, this.history.add(d, [], true));
  }

  /**
   * The router's observer: sets the outcomes of a message recorded when routed (or records
   * it now); a message whose delivery failed is taken out of the history again.
   */
  record(d: Delivery, outcomes: RouteOutcome[], error?: unknown): void {
    const entry = this.#routed.get(d);
    this.#routed.delete(d);
    if (entry === undefined) {
      if (error !== undefined) return;
      this.history.add(d, outcomes);
    } else if (error !== undefined) this.history.discard(entry);
    else this.history.settle(entry, outcomes);
    this.persistSoon();
  }

  /** Whether messages of this local name are checked (an agent or a platform endpoint). */
  isTracked(localName: string): boolean {
    return this.#names.isTracked(localName);
  }

  /**
   * Checks the conversations of a platform endpoint (e.g. a task's contract-net initiator)
   * as if it were an agent. Returns the function that stops; its tracker is kept for
   * viewing a while (a bounded number of retired endpoints).
   */
  trackEndpoint(localName: string): () => void {
    return this.#names.add(localName);
  }

  /** The state of an agent's tracker (plain JSON, for its snapshot), if it has one. */
  getTrackerState(agent: string): TrackerStateJson | undefined {
    return this.#trackers.store.merged(this.#canon(agent));
  }

  /**
   * Replaces an agent's tracker with a state from a snapshot.
   *
   * @throws {ApiError} `INVALID_REQUEST` when the state is malformed or is another agent's.
   */
  setTrackerState(agent: string, state: unknown): void {
    const name = this.#canon(agent);
    this.#trackers.replace(name, parseTrackerState(name, state, this.#canon));
  }

  /** Forgets an agent's tracker. */
  dropTracker(agent: string): void {
    this.#trackers.drop(agent);
  }

  /**
   * Gives up waiting in a conversation of a local agent (on one party, or all): its
   * threads time out and the initiator is told.
   */
  timeout(agent: string, conversationId: string, party?: string): void {
    this.#trackers.timeout(agent, conversationId, party);
  }

  /**
   * Feeds the clock to every conversation with a deadline due by `nowMs`, and sends the
   * notices that calls for. The timer calls it; tests may call it directly.
   */
  tick(nowMs: number = this.#now()): void {
    this.#trackers.tick(nowMs);
  }

  /**
   * Expires conversations idle longer than the trackers' `idleMs` (telling initiators) and
   * drops the trackers of agents that left. Subscriptions (`fipa-subscribe`,
   * `fipa-request-when`) may rightly stay quiet for long: they do not go idle. The sweep
   * timer calls it; tests may too.
   */
  sweep(nowMs: number = this.#now()): void {
    this.#trackers.sweep(nowMs);
    expireHistory(this.history, this.#opts.historyMaxAgeMs, nowMs);
    this.persistSoon();
  }

  /** Every local view of a conversation, merged; `undefined` when no local agent knows it. */
  view(conversationId: string): ConversationDetails | undefined {
    const store = this.#trackers.store;
    const views: ConversationView[] = [];
    for (const name of store.agents()) {
      const st = store.get(name, this.#links.shardOf(name, conversationId));
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
  messages(q: MessagesQuery): HistoryPage {
    return this.history.query(historyQuery(this.#canon, q));
  }

  /** Counts of trackers, conversations, pending deadlines and history. */
  stats(): ConversationStats {
    const store = this.#trackers.store;
    const { active, finished } = store.counts();
    return {
      trackers: store.size,
      active,
      finished,
      pending_deadlines: this.#due.size,
      history_messages: this.history.size,
      history_bytes: this.history.bytes,
    };
  }

  /** Stops the timers and the notices. Trackers and history stay readable. */
  close(): void {
    this.#notices.close();
    this.#due.close();
    this.#sweeper.close();
  }

  /** Whether a tracker is still wanted (its owner is here, or a recently retired endpoint). */
  #keeps(name: string): boolean {
    const local = this.#router.localName(name);
    return local !== undefined && this.#names.keeps(local);
  }
}
