import { z } from "zod";
import { AgentNameSchema, type Performative, PerformativeSchema } from "../runtime/acl/mod.ts";
import { start, step } from "./machine.ts";
import { parseProtocolName, type ProtocolName } from "./names.ts";
import { MachineStateSchema, ViolationSchema } from "./schema.ts";
import { isoToMillis } from "./time.ts";
import type { Direction, Effect, MachineState, MessageSeen, Violation } from "./types.ts";

/** Bounds on what a tracker remembers. */
export interface TrackerLimits {
  /** Conversations under way; beyond it the least recently used one is evicted. */
  maxActive: number;
  /** Ended conversations kept for inspection (least recently ended dropped first). */
  maxFinished: number;
  /** Messages kept per conversation trail (the oldest are dropped and counted). */
  maxTrail: number;
  /** A conversation silent this long expires on {@link trackDeadline}; `null`: never. */
  idleMs: number | null;
}

/** The default limits. */
export const DEFAULT_TRACKER_LIMITS: TrackerLimits = {
  maxActive: 1024,
  maxFinished: 128,
  maxTrail: 64,
  idleMs: 3_600_000,
};

/** One message in a conversation's trail. */
export interface TrailEntry {
  direction: Direction;
  performative: Performative;
  from: string;
  to: string[];
  at: string | null;
}

/** How a conversation ended. */
export type EndedBy = "completed" | "expired" | "violation" | "evicted";

/** One conversation an agent takes part in, in one role. */
export interface TrackedConversation {
  conversation_id: string;
  role: "initiator" | "participant";
  machine: MachineState;
  trail: TrailEntry[];
  trail_dropped: number;
  started_at: string | null;
  last_at: string | null;
  /** Logical time of the last use (for LRU eviction). */
  touched: number;
  ended: { by: EndedBy; violation: Violation | null } | null;
  /**
   * Only in {@link conversationsWithId}'s answer: this record is the sub-conversation of a
   * broker or recruiter, held inside the conversation with this id.
   */
  parent?: string;
}

/**
 * A tracker's whole state, in the working form the steps take and return. Its stored
 * (snapshot, JSON) form is {@link TrackerStateJson}: convert with {@link trackerStateToJson}
 * and {@link trackerStateFromJson}.
 */
export interface TrackerState {
  v: 1;
  agent: string;
  limits: TrackerLimits;
  /** Logical clock, bumped on every change. */
  clock: number;
  /**
   * Conversations under way, keyed `<role>|<conversation_id>`, in the order they were first
   * stored. A Map, not an object: a property name per conversation id would cost V8 a new
   * hidden class and an internalized key for every conversation.
   */
  active: Map<string, TrackedConversation>;
  /** Ended conversations, least recently ended first. */
  finished: TrackedConversation[];
}

/** A {@link TrackerState} as plain JSON: what snapshots and the store keep. */
export interface TrackerStateJson extends Omit<TrackerState, "active"> {
  /** Conversations under way, keyed `<role>|<conversation_id>`. */
  active: Record<string, TrackedConversation>;
}

/** What the shell around the tracker should do or know. */
export type TrackerEffect =
  | {
    type: "conversation-started";
    conversation_id: string;
    role: "initiator" | "participant";
    protocol: ProtocolName;
  }
  | {
    type: "conversation-ended";
    conversation_id: string;
    role: "initiator" | "participant";
    by: EndedBy;
  }
  | {
    /**
     * Tell the conversation's initiator that parties did not answer in time (a deadline
     * passed, the shell timed them out, or the conversation went idle).
     */
    type: "notify-initiator";
    conversation_id: string;
    protocol: ProtocolName;
    initiator: string;
    /** Whether the tracked agent is the initiator itself. */
    self: boolean;
    parties: string[];
    reason: "deadline" | "timeout" | "idle";
  };

/** A message as the tracker is fed it: a {@link MessageSeen} and when it was seen. */
export interface TrackedMessage extends MessageSeen {
  /** ISO 8601, from the shell's clock; recorded in the trail and used for idle expiry. */
  timestamp?: string;
}

/** The result of feeding the tracker a message. */
export type TrackResult =
  | {
    ok: true;
    state: TrackerState;
    /** Whether a conversation checked the message (untracked: no protocol, no id). */
    tracked: boolean;
    effects: TrackerEffect[];
    /**
     * The outer conversation that took the message as part of a sub-conversation with an
     * id of its own (a broker's or recruiter's exchange with its targets).
     */
    linked_to?: string;
  }
  | { ok: false; state: TrackerState; violation: Violation; effects: TrackerEffect[] };

const ROLE = z.enum(["initiator", "participant"]);
const Iso = z.string().max(64);

/**
 * Schema of a {@link TrackerStateJson} (check a snapshot before restoring it, then
 * {@link trackerStateFromJson}).
 */
export const TrackerStateSchema: z.ZodType<TrackerStateJson> = z.strictObject({
  v: z.literal(1),
  agent: AgentNameSchema,
  limits: z.strictObject({
    maxActive: z.number().int().min(1),
    maxFinished: z.number().int().min(0),
    maxTrail: z.number().int().min(0),
    idleMs: z.number().int().min(1).nullable(),
  }),
  clock: z.number().int().min(0),
  active: z.record(
    z.string().regex(/^(initiator|participant)\|/),
    z.lazy(() => ConversationSchema),
  ),
  finished: z.array(z.lazy(() => ConversationSchema)),
}) as unknown as z.ZodType<TrackerStateJson>;

const ConversationSchema = z.strictObject({
  conversation_id: z.string(),
  role: ROLE,
  machine: MachineStateSchema,
  trail: z.array(z.strictObject({
    direction: z.enum(["sent", "received"]),
    performative: PerformativeSchema,
    from: z.string(),
    to: z.array(z.string()),
    at: Iso.nullable(),
  })),
  trail_dropped: z.number().int().min(0),
  started_at: Iso.nullable(),
  last_at: Iso.nullable(),
  touched: z.number().int().min(0),
  ended: z.strictObject({
    by: z.enum(["completed", "expired", "violation", "evicted"]),
    violation: ViolationSchema.nullable(),
  }).nullable(),
});

/**
 * A new, empty tracker for `agent`.
 *
 * @example
 * ```ts
 * let t = createTracker("buyer@node-a");
 * const r = trackMessage(t, "sent", { performative: "request", from: "buyer@node-a",
 *   to: ["seller@node-b"], conversation_id: "c1", protocol: "fipa-request" });
 * if (r.ok) t = r.state;
 * viewConversation(t, "c1")?.state; // "requested"
 * ```
 */
export function createTracker(agent: string, limits: Partial<TrackerLimits> = {}): TrackerState {
  return {
    v: 1,
    agent,
    limits: { ...DEFAULT_TRACKER_LIMITS, ...limits },
    clock: 0,
    active: new Map(),
    finished: [],
  };
}

/** The plain JSON form of a tracker state (shares its conversation records). */
export function trackerStateToJson(state: TrackerState): TrackerStateJson {
  return { ...state, active: Object.fromEntries(state.active) };
}

/**
 * The working form of a tracker state from its JSON form (validated with
 * {@link TrackerStateSchema}); shares its conversation records.
 */
export function trackerStateFromJson(json: TrackerStateJson): TrackerState {
  return { ...json, active: new Map(Object.entries(json.active)) };
}

function keyOf(role: "initiator" | "participant", conversationId: string): string {
  return `${role}|${conversationId}`;
}

/** The agents a machine knows as parties. */
function parties(m: MachineState): Set<string> {
  const s = new Set<string>(m.aliases);
  if (m.initiator !== null) s.add(m.initiator);
  for (const t of m.threads) s.add(t.party);
  for (const sub of m.subs) {
    s.add(sub.broker);
    for (const t of sub.targets) s.add(t);
  }
  return s;
}

/** Picks the conversation a message belongs to among those with its id. */
function pick(
  candidates: TrackedConversation[],
  agent: string,
  direction: Direction,
  msg: MessageSeen,
): TrackedConversation | undefined {
  if (candidates.length <= 1) return candidates[0];
  const others = direction === "sent" ? msg.to : [msg.from];
  return candidates.find((c) => {
    const p = parties(c.machine);
    return others.some((o) => o !== agent && p.has(o));
  }) ?? candidates[0];
}

function trailEntry(direction: Direction, msg: TrackedMessage): TrailEntry {
  return {
    direction,
    performative: msg.performative,
    from: msg.from,
    to: [...msg.to],
    at: msg.timestamp ?? null,
  };
}

function appendTrail(c: TrackedConversation, entry: TrailEntry, max: number): void {
  // One copy per message, of what stays (a contract net's initiator has a full trail).
  const drop = Math.max(0, c.trail.length + 1 - max);
  if (drop > c.trail.length) {
    // `max` 0: the entry goes too.
    c.trail = [];
  } else {
    const trail = c.trail.slice(drop);
    trail.push(entry);
    c.trail = trail;
  }
  c.trail_dropped += drop;
}

/** Turns machine expiries into one "tell the initiator" effect. */
function expiryEffects(
  c: TrackedConversation,
  agent: string,
  effects: Effect[],
  reason: "deadline" | "timeout" | "idle",
): TrackerEffect[] {
  const timedOut = effects.flatMap((e) => e.type === "timed-out" ? [e.party] : []);
  if (timedOut.length === 0 || c.machine.initiator === null) return [];
  return [{
    type: "notify-initiator",
    conversation_id: c.conversation_id,
    protocol: c.machine.protocol,
    initiator: c.machine.initiator,
    self: c.machine.initiator === agent,
    parties: [...new Set(timedOut)],
    reason,
  }];
}

/** Moves a conversation from active to the finished LRU (dropping the oldest). */
function finish(
  st: TrackerState,
  c: TrackedConversation,
  by: EndedBy,
  violation: Violation | null,
  out: TrackerEffect[],
): void {
  const key = keyOf(c.role, c.conversation_id);
  if (st.active.get(key) === c) st.active.delete(key);
  const ended: TrackedConversation = { ...c, ended: { by, violation } };
  st.finished = [
    ...st.finished.filter((f) => !(f.conversation_id === c.conversation_id && f.role === c.role)),
    ended,
  ];
  if (st.finished.length > st.limits.maxFinished) {
    st.finished = st.finished.slice(st.finished.length - st.limits.maxFinished);
  }
  out.push({ type: "conversation-ended", conversation_id: c.conversation_id, role: c.role, by });
}

function evictIfFull(st: TrackerState, out: TrackerEffect[]): void {
  const size = st.active.size;
  if (size <= st.limits.maxActive) return;
  const lru = [...st.active.values()].sort((a, b) => a.touched - b.touched);
  for (const c of lru.slice(0, size - st.limits.maxActive)) {
    finish(st, c, "evicted", null, out);
  }
}

function copy(state: TrackerState): TrackerState {
  return { ...state, active: new Map(state.active), finished: [...state.finished] };
}

/**
 * Feeds the tracker one message the agent sent or received. The first message of a
 * conversation that names a known `protocol` starts a machine; every later message with
 * that conversation id is checked by it. A conversation ends (and moves to the finished
 * LRU) on completion, on a violation (the result carries it) or on expiry. A message for
 * a finished conversation is checked against it (late answers to a cancel are legal).
 * Pure: `state` is not modified.
 */
export function trackMessage(
  state: TrackerState,
  direction: Direction,
  msg: TrackedMessage,
): TrackResult {
  const cid = msg.conversation_id;
  const effects: TrackerEffect[] = [];
  if (cid === undefined || cid === "") {
    return { ok: true, state, tracked: false, effects };
  }
  const st = copy(state);
  st.clock += 1;
  const event = { type: "message" as const, direction, message: msg };
  const active: TrackedConversation[] = [];
  const asInitiator = st.active.get(keyOf("initiator", cid));
  if (asInitiator !== undefined) active.push(asInitiator);
  const asParticipant = st.active.get(keyOf("participant", cid));
  if (asParticipant !== undefined) active.push(asParticipant);
  const target = pick(active, st.agent, direction, msg);
  const protocol = msg.protocol === undefined ? undefined : parseProtocolName(msg.protocol);
  const newRole = direction === "sent" ? "initiator" : "participant";
  /** Whether the message validly opens a new conversation in the role it would give. */
  const opensNew = () =>
    protocol !== undefined && !st.active.has(keyOf(newRole, cid)) &&
    step(start(protocol, newRole, { self: st.agent }), event).ok;

  if (target !== undefined) {
    const r = step(target.machine, event);
    if (!r.ok && target.role !== newRole && protocol !== undefined && opensNew()) {
      // The same id, opened anew by this agent in its other role (e.g. a participant that
      // starts its own sub-conversation under the id it was given).
      return begin(st, cid, newRole, protocol, direction, msg, effects);
    }
    if (!r.ok) {
      const c = { ...target, touched: st.clock };
      appendTrail(c, trailEntry(direction, msg), st.limits.maxTrail);
      st.active.set(keyOf(c.role, cid), c);
      finish(st, c, "violation", r.violation, effects);
      return { ok: false, state: st, violation: r.violation, effects };
    }
    const c: TrackedConversation = {
      ...target,
      machine: r.state,
      touched: st.clock,
      last_at: msg.timestamp ?? target.last_at,
    };
    appendTrail(c, trailEntry(direction, msg), st.limits.maxTrail);
    st.active.set(keyOf(c.role, cid), c);
    effects.push(...expiryEffects(c, st.agent, r.effects, "deadline"));
    if (r.state.finished) finish(st, c, "completed", null, effects);
    return { ok: true, state: st, tracked: true, effects };
  }

  const outer = linkedConversation(st, event, cid);
  if (outer !== undefined) {
    const c: TrackedConversation = {
      ...outer.conversation,
      machine: outer.state,
      touched: st.clock,
      last_at: msg.timestamp ?? outer.conversation.last_at,
    };
    appendTrail(c, trailEntry(direction, msg), st.limits.maxTrail);
    st.active.set(keyOf(c.role, c.conversation_id), c);
    effects.push(...expiryEffects(c, st.agent, outer.effects, "deadline"));
    if (outer.state.finished) finish(st, c, "completed", null, effects);
    return { ok: true, state: st, tracked: true, effects, linked_to: c.conversation_id };
  }

  // A finished conversation with this id: late messages are checked against it.
  const done = [...st.finished].reverse().find((f) => f.conversation_id === cid);
  if (done !== undefined) {
    const r = step(done.machine, event);
    if (r.ok) {
      const c: TrackedConversation = {
        ...done,
        machine: r.state,
        touched: st.clock,
        last_at: msg.timestamp ?? done.last_at,
      };
      appendTrail(c, trailEntry(direction, msg), st.limits.maxTrail);
      st.finished = st.finished.filter((f) => f !== done);
      if (r.state.finished) {
        st.finished = [...st.finished, c];
      } else {
        c.ended = null;
        st.active.set(keyOf(c.role, cid), c);
        evictIfFull(st, effects);
      }
      return { ok: true, state: st, tracked: true, effects };
    }
    if (!opensNew()) return { ok: false, state, violation: r.violation, effects };
  }

  if (protocol === undefined) return { ok: true, state, tracked: false, effects };
  return begin(st, cid, newRole, protocol, direction, msg, effects);
}

/** Protocols whose conversations hold sub-conversations (with ids of their own). */
const WITH_SUBS: ReadonlySet<string> = new Set(["fipa-brokering", "fipa-recruiting"]);

/** Whether a machine holds a sub-conversation with this id. */
function hasSub(m: MachineState, cid: string): boolean {
  return m.subs.some((s) => s.conversation_id === cid);
}

/**
 * The active brokering or recruiting conversation a message of conversation `cid` belongs
 * to as a sub-conversation: one that already holds a sub with that id, else one whose
 * machine takes the message as a new sub (a broker forwarding under a new id, a recruited
 * target answering the initiator). Returns it with its machine after the message.
 */
function linkedConversation(
  st: TrackerState,
  event: { type: "message"; direction: Direction; message: MessageSeen },
  cid: string,
): { conversation: TrackedConversation; state: MachineState; effects: Effect[] } | undefined {
  const proxies = [...st.active.values()].filter((c) => WITH_SUBS.has(c.machine.protocol));
  if (proxies.length === 0) return undefined;
  const ordered = [
    ...proxies.filter((c) => hasSub(c.machine, cid)),
    ...proxies.filter((c) => !hasSub(c.machine, cid)),
  ];
  for (const c of ordered) {
    const r = step(c.machine, event);
    if (r.ok && hasSub(r.state, cid)) {
      return { conversation: c, state: r.state, effects: r.effects };
    }
    if (hasSub(c.machine, cid)) return undefined;
  }
  return undefined;
}

/** Starts a conversation with its opening message (on the working copy `st`). */
function begin(
  st: TrackerState,
  cid: string,
  role: "initiator" | "participant",
  protocol: ProtocolName,
  direction: Direction,
  msg: TrackedMessage,
  effects: TrackerEffect[],
): TrackResult {
  const event = { type: "message" as const, direction, message: msg };
  const machine = start(protocol, role, { self: st.agent });
  const r = step(machine, event);
  const c: TrackedConversation = {
    conversation_id: cid,
    role,
    machine: r.ok ? r.state : machine,
    trail: [],
    trail_dropped: 0,
    started_at: msg.timestamp ?? null,
    last_at: msg.timestamp ?? null,
    touched: st.clock,
    ended: null,
  };
  appendTrail(c, trailEntry(direction, msg), st.limits.maxTrail);
  if (!r.ok) {
    finish(st, c, "violation", r.violation, effects);
    return { ok: false, state: st, violation: r.violation, effects };
  }
  st.active.set(keyOf(role, cid), c);
  effects.push({ type: "conversation-started", conversation_id: cid, role, protocol });
  if (r.state.finished) finish(st, c, "completed", null, effects);
  else evictIfFull(st, effects);
  return { ok: true, state: st, tracked: true, effects };
}

/** Whether any deadline in `m` (or its sub-protocols) has passed at `at`. */
function deadlineDue(m: MachineState, atMs: number): boolean {
  for (const t of m.threads) {
    if (t.deadline !== null && !t.terminal && isoToMillis(t.deadline.at) <= atMs) return true;
  }
  return m.subs.some((s) => s.machine !== null && !s.finished && deadlineDue(s.machine, atMs));
}

/**
 * Tells the tracker the shell's clock reads `at`: passes every due `reply_by` deadline to
 * its conversation, and expires conversations idle longer than `limits.idleMs`. Expiries
 * yield "notify-initiator" effects.
 */
export function trackDeadline(
  state: TrackerState,
  at: string,
): { state: TrackerState; effects: TrackerEffect[] } {
  const atMs = isoToMillis(at);
  const effects: TrackerEffect[] = [];
  if (!Number.isFinite(atMs)) return { state, effects };
  let st: TrackerState | undefined;
  for (const [key, conv] of state.active) {
    const lastMs = conv.last_at === null ? NaN : isoToMillis(conv.last_at);
    const idle = state.limits.idleMs !== null && Number.isFinite(lastMs) &&
      atMs - lastMs >= state.limits.idleMs;
    if (!idle && !deadlineDue(conv.machine, atMs)) continue;
    st ??= copy(state);
    st.clock += 1;
    const r = step(conv.machine, idle ? { type: "timeout" } : { type: "deadline", at });
    if (!r.ok) continue;
    const c: TrackedConversation = { ...conv, machine: r.state, touched: st.clock };
    st.active.set(key, c);
    const expiries = expiryEffects(c, st.agent, r.effects, idle ? "idle" : "deadline");
    effects.push(...expiries);
    if (r.state.finished) {
      finish(st, c, expiries.length > 0 ? "expired" : "completed", null, effects);
    }
  }
  return { state: st ?? state, effects };
}

/**
 * The shell gives up waiting in one conversation (all roles), or on one party in it:
 * its threads time out, and the initiator is to be told.
 */
export function trackTimeout(
  state: TrackerState,
  conversationId: string,
  party?: string,
): { state: TrackerState; effects: TrackerEffect[] } {
  const effects: TrackerEffect[] = [];
  let st: TrackerState | undefined;
  for (const role of ["initiator", "participant"] as const) {
    const key = keyOf(role, conversationId);
    const conv = state.active.get(key);
    if (conv === undefined) continue;
    st ??= copy(state);
    st.clock += 1;
    const r = step(conv.machine, { type: "timeout", party });
    if (!r.ok) continue;
    const c: TrackedConversation = { ...conv, machine: r.state, touched: st.clock };
    st.active.set(key, c);
    effects.push(...expiryEffects(c, st.agent, r.effects, "timeout"));
    if (r.state.finished) finish(st, c, "expired", null, effects);
  }
  return { state: st ?? state, effects };
}

/**
 * The conversations of this agent with id `conversationId`, active ones first (initiator,
 * then participant), then ended ones, newest first. Pure: the raw records, for views.
 */
export function conversationsWithId(
  state: TrackerState,
  conversationId: string,
): TrackedConversation[] {
  const out: TrackedConversation[] = [];
  for (const role of ["initiator", "participant"] as const) {
    const c = state.active.get(keyOf(role, conversationId));
    if (c !== undefined) out.push(c);
  }
  for (const c of [...state.finished].reverse()) {
    if (c.conversation_id === conversationId) out.push(c);
  }
  const outer = [...state.active.values(), ...[...state.finished].reverse()];
  for (const c of outer) {
    for (const sub of c.machine.subs) {
      if (sub.conversation_id !== conversationId || sub.machine === null) continue;
      out.push({
        ...c,
        conversation_id: conversationId,
        machine: sub.machine,
        parent: c.conversation_id,
      });
    }
  }
  return out;
}

/** Ids, roles and protocols of the conversations under way. */
export function activeConversations(
  state: TrackerState,
): { conversation_id: string; role: "initiator" | "participant"; protocol: ProtocolName }[] {
  return [...state.active.values()].map((c) => ({
    conversation_id: c.conversation_id,
    role: c.role,
    protocol: c.machine.protocol,
  }));
}
