import { type Performative, ReplyBySchema } from "../runtime/acl/mod.ts";
import { ApiError } from "../runtime/errors/mod.ts";
import { clonePlain } from "./clone.ts";
import { parseProtocolName, PROTOCOL_NAMES } from "./names.ts";
import {
  moveTo,
  newThread,
  type ProtocolSpec,
  type StartInit,
  type StepContext,
  timeOut,
} from "./spec.ts";
import { SPECS } from "./specs/registry.ts";
import { deadlinePassed } from "./time.ts";
import type {
  Direction,
  ExpectedMove,
  MachineState,
  MessageSeen,
  ProtocolEvent,
  Role,
  Side,
  StepResult,
  Thread,
  Violation,
} from "./types.ts";

/** Most participants one conversation may hold. */
export const MAX_PARTICIPANTS = 4096;

/** Thread end states after which a late `not-understood` makes no sense. */
const NO_LATE_NOT_UNDERSTOOD: ReadonlySet<string> = new Set([
  "not-understood",
  "timed-out",
  "cancelled",
  "cancel-failed",
]);

const ROLES: readonly Role[] = ["initiator", "participant", "observer"];
const AGENT_NAME = /^[^\s()]{1,1024}$/;

/**
 * A new machine for `protocol` (case-insensitive, see {@link parseProtocolName}) seen from
 * `role`. Throws an `ApiError` (`INVALID_REQUEST`) for an unknown protocol or role.
 *
 * @example
 * ```ts
 * let s = start("fipa-request", "initiator", { self: "a@n" });
 * const r = step(s, { type: "message", direction: "sent",
 *   message: { performative: "request", from: "a@n", to: ["b@n"] } });
 * if (r.ok) s = r.state; // expected(s): b@n may agree, refuse, failure, inform ...
 * ```
 */
export function start(protocol: string, role: Role, init: StartInit = {}): MachineState {
  const name = parseProtocolName(protocol);
  if (name === undefined) {
    throw new ApiError("INVALID_REQUEST", `unknown interaction protocol '${protocol}'`, {
      protocol,
      expected: PROTOCOL_NAMES,
    });
  }
  if (!ROLES.includes(role)) {
    throw new ApiError("INVALID_REQUEST", `unknown protocol role '${role}'`, {
      role,
      expected: ROLES,
    });
  }
  return {
    v: 1,
    protocol: name,
    role,
    self: init.self ?? null,
    initiator: null,
    aliases: [...(init.aliases ?? [])],
    conversation_id: init.conversation_id ?? null,
    phase: "start",
    round: 0,
    price: null,
    final: false,
    round_accepts: 0,
    threads: [],
    subs: [],
    steps: 0,
    finished: false,
  };
}

/**
 * Feeds one event to a machine. Pure: `state` is not modified; on success the result
 * holds the next state and what the shell should know (threads that ended, expiries,
 * completion); a message the protocol does not allow yields a violation naming the
 * protocol, the state and the performatives that were legal.
 */
export function step(state: MachineState, event: ProtocolEvent): StepResult {
  const spec = SPECS[state.protocol];
  const st = workingCopy(state, spec, event);
  const ctx = context(st, spec);
  switch (event.type) {
    case "message": {
      const v = onMessage(ctx, spec, event.message, event.direction);
      if (v !== undefined) {
        OWNED.delete(st);
        return { ok: false, violation: v };
      }
      st.steps += 1;
      break;
    }
    case "deadline":
      onDeadline(ctx, spec, event.at);
      break;
    case "timeout":
      onTimeout(ctx, event.party);
      break;
    default:
      throw new TypeError(`unknown protocol event type '${(event as { type: unknown }).type}'`);
  }
  spec.settle?.(ctx);
  OWNED.delete(st);
  const view = viewThreads(st);
  const finished = st.initiator !== null && view.length > 0 && view.every((t) => t.terminal);
  if (finished && !st.finished) ctx.effects.push({ type: "finished" });
  st.finished = finished;
  return { ok: true, state: st, effects: ctx.effects };
}

/**
 * The threads a copy-on-write step made its own (copies of shared threads, threads it
 * added), by its working copy; only while the step runs.
 */
const OWNED = new WeakMap<MachineState, Set<Thread>>();

/**
 * The state a step works on: a deep copy, or, for a message to a spec whose acts change only
 * the thread they act on ({@link ProtocolSpec.threadLocal}), a copy of the machine and of
 * its lists whose threads are shared with `state` until the step writes one
 * ({@link findThread} copies it then): a step then costs O(1) copies instead of O(threads).
 */
function workingCopy(state: MachineState, spec: ProtocolSpec, event: ProtocolEvent): MachineState {
  if (event.type !== "message" || spec.threadLocal !== true) return clonePlain(state);
  // `slice`, not a spread: a contract net's initiator copies its list of threads (one per
  // bidder) on every message, and a spread goes through the array iterator.
  const st: MachineState = {
    ...state,
    aliases: state.aliases.slice(),
    threads: state.threads.slice(),
    subs: state.subs.slice(),
  };
  OWNED.set(st, new Set());
  return st;
}

/** Whether the conversation (from this machine's viewpoint) has ended. */
export function isFinished(state: MachineState): boolean {
  return state.finished;
}

/**
 * The legal next performatives, per pair of agents. `to: "*"` stands for a participant
 * not yet in the conversation (the opening act, or an auction's start-of-auction).
 */
export function expected(state: MachineState): ExpectedMove[] {
  const spec = SPECS[state.protocol];
  if (state.initiator === null) {
    const from = state.role === "initiator" && state.self !== null ? state.self : "*";
    return [{ from, to: "*", performatives: [...spec.opening] }];
  }
  const moves: ExpectedMove[] = [];
  for (const th of viewThreads(state)) {
    const i = legalActs(state, spec, th, "initiator");
    if (i.length > 0) moves.push({ from: state.initiator, to: th.party, performatives: i });
    const p = legalActs(state, spec, th, "participant");
    if (p.length > 0) moves.push({ from: th.party, to: state.initiator, performatives: p });
  }
  if (state.role !== "participant") {
    const join = spec.opening.filter((a) => spec.canJoin(state, a));
    if (join.length > 0) moves.push({ from: state.initiator, to: "*", performatives: join });
  }
  for (const m of spec.extraMoves?.(state) ?? []) moves.push(m);
  for (const sub of state.subs) {
    if (sub.machine === null || sub.finished) continue;
    // A new target always means a new sub-protocol (the spec's extra moves offer those).
    moves.push(...expected(sub.machine).filter((mv) => mv.to !== "*"));
  }
  return moves;
}

// ---------------------------------------------------------------------------------------

/** How specs start and step nested machines (one object for every step). */
const NESTED: StepContext["nested"] = {
  start,
  step,
  openingOf: (p) => SPECS[p].opening[0],
};

function context(st: MachineState, spec: ProtocolSpec): StepContext {
  return {
    st,
    effects: [],
    nested: NESTED,
    violate(reason, got, th, side) {
      const v: Violation = {
        protocol: st.protocol,
        state: th === undefined ? st.phase : label(th),
        expected: th !== undefined && side !== undefined
          ? legalActs(st, spec, th, side)
          : st.initiator === null
          ? [...spec.opening]
          : [],
        got,
        reason,
      };
      if (th !== undefined) v.party = th.party;
      return v;
    },
  };
}

function label(th: Thread): string {
  return th.cancel ? `${th.state} (cancel requested)` : th.state;
}

function viewThreads(st: MachineState): Thread[] {
  if (st.role === "participant" && st.self !== null) {
    const mine = st.threads.filter((t) => t.party === st.self);
    if (mine.length > 0) return mine;
  }
  return st.threads;
}

function isInitiatorSide(st: MachineState, name: string): boolean {
  return name === st.initiator || st.aliases.includes(name);
}

/**
 * The thread of `party`, to be written: in a copy-on-write step ({@link workingCopy}), a
 * shared thread is first replaced with its own copy.
 */
function findThread(st: MachineState, party: string): Thread | undefined {
  const threads = st.threads;
  let i = 0;
  while (i < threads.length && threads[i].party !== party) i++;
  if (i === threads.length) return undefined;
  const th = threads[i];
  const owned = OWNED.get(st);
  if (owned === undefined || owned.has(th)) return th;
  const mine = { ...th };
  st.threads[i] = mine;
  owned.add(mine);
  return mine;
}

/** Adds a new thread for `party` (its own in a copy-on-write step). */
function addThread(st: MachineState, party: string): Thread {
  const th = newThread(party);
  st.threads.push(th);
  OWNED.get(st)?.add(th);
  return th;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function lateNotUnderstoodOk(th: Thread, side: Side): boolean {
  return th.terminal && th.last !== null && th.last !== side &&
    !NO_LATE_NOT_UNDERSTOOD.has(th.state);
}

/** Every act (protocol and meta) legal on `th` for `side`. */
function legalActs(st: MachineState, spec: ProtocolSpec, th: Thread, side: Side): Performative[] {
  const acts: Performative[] = [];
  const push = (a: Performative) => {
    if (!acts.includes(a)) acts.push(a);
  };
  if (side === "initiator") {
    if (!th.cancel) {
      for (const a of spec.allowed(st, th, side)) push(a);
      if (!th.terminal) push("cancel");
    }
  } else {
    if (th.cancel) {
      push("inform");
      push("failure");
    }
    for (const a of spec.allowed(st, th, side)) push(a);
  }
  if (!th.terminal || lateNotUnderstoodOk(th, side)) push("not-understood");
  return acts;
}

/** The last `reply_by` found valid: a fan-out (a cfp to every bidder) repeats one. */
let validReplyByText: string | undefined;

/** Whether a `reply_by` is an ISO 8601 date-time ({@link ReplyBySchema}); remembers the last. */
function validReplyBy(text: string): boolean {
  if (text === validReplyByText) return true;
  if (!ReplyBySchema.safeParse(text).success) return false;
  validReplyByText = text;
  return true;
}

function checkShape(ctx: StepContext, msg: MessageSeen): Violation | undefined {
  const act = msg.performative;
  if (!Array.isArray(msg.to) || msg.to.length === 0) {
    return ctx.violate("a message needs at least one receiver", act);
  }
  for (const name of [msg.from, ...msg.to, ...(msg.reply_to ?? [])]) {
    if (typeof name !== "string" || !AGENT_NAME.test(name)) {
      return ctx.violate(`'${String(name).slice(0, 80)}' is not a valid agent name`, act);
    }
  }
  if (msg.reply_by !== undefined && !validReplyBy(msg.reply_by)) {
    return ctx.violate(
      `reply_by '${String(msg.reply_by).slice(0, 80)}' is not an ISO 8601 date-time`,
      act,
    );
  }
  if (msg.price !== undefined && !Number.isFinite(msg.price)) {
    return ctx.violate(`price ${msg.price} is not a finite number`, act);
  }
  return undefined;
}

/** A message in another conversation than this machine's (a spec's `route` may take it). */
function checkConversationId(ctx: StepContext, msg: MessageSeen): Violation | undefined {
  const { st } = ctx;
  if (
    st.conversation_id !== null && msg.conversation_id !== undefined &&
    msg.conversation_id !== st.conversation_id
  ) {
    return ctx.violate(
      `conversation_id '${msg.conversation_id}' is not this conversation's ('${st.conversation_id}')`,
      msg.performative,
    );
  }
  return undefined;
}

/** Checks a message against this machine's viewpoint (who sent or received it). */
function checkViewpoint(
  ctx: StepContext,
  msg: MessageSeen,
  direction: Direction | undefined,
): Violation | undefined {
  const { st } = ctx;
  if (st.role === "observer") return undefined;
  const act = msg.performative;
  let dir = direction;
  if (st.self === null && st.role === "participant" && dir === "sent" && st.initiator !== null) {
    st.self = msg.from;
  }
  if (st.self !== null) {
    const fromSelf = msg.from === st.self;
    const toSelf = msg.to.includes(st.self);
    if (dir === "sent" && !fromSelf) {
      return ctx.violate(`this agent (${st.self}) sent a message whose sender is ${msg.from}`, act);
    }
    if (dir === "received" && !toSelf) {
      return ctx.violate(`this agent (${st.self}) received a message not addressed to it`, act);
    }
    if (dir === undefined) {
      if (!fromSelf && !toSelf) {
        return ctx.violate(`the message is neither from nor to this agent (${st.self})`, act);
      }
      dir = fromSelf ? "sent" : "received";
    }
  }
  if (st.initiator === null && dir !== undefined) {
    if (st.role === "initiator" && dir === "received") {
      return ctx.violate(
        `as initiator this agent opens the conversation by sending; it received ${act} from ${msg.from}`,
        act,
      );
    }
    if (st.role === "participant" && dir === "sent") {
      return ctx.violate(
        `as participant this agent joins by receiving the opening message; it sent ${act}`,
        act,
      );
    }
  }
  return undefined;
}

function onMessage(
  ctx: StepContext,
  spec: ProtocolSpec,
  msg: MessageSeen,
  direction: Direction | undefined,
): Violation | undefined {
  const shape = checkShape(ctx, msg);
  if (shape !== undefined) return shape;
  const viewpoint = checkViewpoint(ctx, msg, direction);
  if (viewpoint !== undefined) return viewpoint;
  const { st } = ctx;
  const act = msg.performative;
  if (st.initiator === null) return checkConversationId(ctx, msg) ?? open(ctx, spec, msg);
  if (spec.route !== undefined) {
    // A spec with sub-conversations (brokering, recruiting) sees their messages first: they
    // may carry a conversation id of their own.
    const routed = spec.route(ctx, msg);
    if (routed === "handled") return undefined;
    if (routed !== undefined) return routed;
  }
  const otherId = checkConversationId(ctx, msg);
  if (otherId !== undefined) return otherId;
  if (isInitiatorSide(st, msg.from)) return fromInitiator(ctx, spec, msg);
  const th = findThread(st, msg.from);
  if (th === undefined) return ctx.violate(`${msg.from} is not part of this conversation`, act);
  if (!msg.to.some((r) => isInitiatorSide(st, r))) {
    return ctx.violate(
      `${msg.from} must address its ${act} to the initiator ${st.initiator}`,
      act,
      th,
      "participant",
    );
  }
  return actOnThread(ctx, spec, th, "participant", msg);
}

function open(ctx: StepContext, spec: ProtocolSpec, msg: MessageSeen): Violation | undefined {
  const { st } = ctx;
  const act = msg.performative;
  if (!spec.opening.includes(act)) {
    return ctx.violate(`${st.protocol} opens with ${spec.opening.join(" or ")}, not ${act}`, act);
  }
  const receivers = unique(msg.to).filter((r) => r !== msg.from);
  if (receivers.length === 0) {
    return ctx.violate("the opening message must go to at least one other agent", act);
  }
  if (receivers.length > MAX_PARTICIPANTS) {
    return ctx.violate(`too many participants (at most ${MAX_PARTICIPANTS})`, act);
  }
  if (st.role === "initiator") {
    if (st.self !== null && st.self !== msg.from) {
      return ctx.violate(
        `this agent (${st.self}) did not send the opening message (${msg.from} did)`,
        act,
      );
    }
    st.self = msg.from;
  }
  if (st.role === "participant" && st.self === null && receivers.length === 1) {
    st.self = receivers[0];
  }
  st.initiator = msg.from;
  st.aliases = st.aliases.filter((a) => a !== msg.from);
  if (st.conversation_id === null && msg.conversation_id !== undefined) {
    st.conversation_id = msg.conversation_id;
  }
  st.phase = "open";
  for (const r of receivers) {
    const th = addThread(st, r);
    const v = actOnThread(ctx, spec, th, "initiator", msg);
    if (v !== undefined) return v;
  }
  return undefined;
}

function fromInitiator(
  ctx: StepContext,
  spec: ProtocolSpec,
  msg: MessageSeen,
): Violation | undefined {
  const { st } = ctx;
  const act = msg.performative;
  const receivers = unique(msg.to).filter((r) => !isInitiatorSide(st, r));
  if (receivers.length === 0) {
    return ctx.violate(`the initiator's ${act} must go to a participant`, act);
  }
  for (const r of receivers) {
    let th = findThread(st, r);
    if (th === undefined) {
      if (!spec.canJoin(st, act)) {
        return ctx.violate(
          `${r} is not a participant of this conversation and ${act} cannot add one now`,
          act,
        );
      }
      if (st.threads.length >= MAX_PARTICIPANTS) {
        return ctx.violate(`too many participants (at most ${MAX_PARTICIPANTS})`, act);
      }
      th = addThread(st, r);
    }
    const v = actOnThread(ctx, spec, th, "initiator", msg);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Applies one act to one participant's thread: meta-protocols first, then the spec. */
function actOnThread(
  ctx: StepContext,
  spec: ProtocolSpec,
  th: Thread,
  side: Side,
  msg: MessageSeen,
): Violation | undefined {
  const { st } = ctx;
  const act = msg.performative;
  if (act === "not-understood") {
    // Either side may say it did not understand; that ends this participant's thread.
    if (th.terminal && !lateNotUnderstoodOk(th, side)) {
      return ctx.violate(`the thread with ${th.party} already ended (${th.state})`, act, th, side);
    }
    th.cancel = false;
    const wasTerminal = th.terminal;
    moveTo(ctx, th, "not-understood", true);
    if (wasTerminal) ctx.effects.push({ type: "thread-ended", party: th.party, state: th.state });
    book(th, side, msg);
    return undefined;
  }
  if (th.cancel) {
    // The cancel meta-protocol: the participant answers inform (done) or failure.
    if (side === "participant" && (act === "inform" || act === "failure")) {
      th.cancel = false;
      if (!th.terminal) moveTo(ctx, th, act === "inform" ? "cancelled" : "cancel-failed", true);
      book(th, side, msg);
      return undefined;
    }
    if (side === "initiator") {
      return ctx.violate(
        `a cancel is pending: ${th.party} must answer it with inform or failure first`,
        act,
        th,
        side,
      );
    }
  }
  if (act === "cancel" && side === "initiator") {
    if (th.terminal) {
      return ctx.violate(
        `the thread with ${th.party} already ended (${th.state}); nothing to cancel`,
        act,
        th,
        side,
      );
    }
    th.cancel = true;
    book(th, side, msg);
    return undefined;
  }
  if (spec.lateAnswer?.(th, side, msg)) return undefined;
  if (!spec.allowed(st, th, side).includes(act)) {
    const who = side === "initiator" ? `the initiator (${st.initiator})` : th.party;
    const legal = legalActs(st, spec, th, side);
    return ctx.violate(
      `${act} from ${who} is not allowed in state ${label(th)}; expected ${
        legal.length > 0 ? legal.join(", ") : "nothing"
      }`,
      act,
      th,
      side,
    );
  }
  const reason = spec.apply(ctx, th, side, msg);
  if (reason !== undefined) return ctx.violate(reason, act, th, side);
  book(th, side, msg);
  return undefined;
}

/** Records who spoke and the deadline a `reply_by` sets for the other side. */
function book(th: Thread, side: Side, msg: MessageSeen): void {
  th.last = side;
  if (th.deadline !== null && th.deadline.awaiting === side) th.deadline = null;
  if (msg.reply_by !== undefined && !th.terminal) {
    th.deadline = {
      at: msg.reply_by,
      awaiting: side === "initiator" ? "participant" : "initiator",
    };
  }
}

function onDeadline(ctx: StepContext, spec: ProtocolSpec, at: string): void {
  const { st } = ctx;
  for (const th of st.threads) {
    const d = th.deadline;
    if (d === null || !deadlinePassed(d.at, at)) continue;
    th.deadline = null;
    if (th.terminal) continue;
    if (spec.onDeadline !== undefined) spec.onDeadline(ctx, th, d);
    else timeOut(ctx, th, d);
  }
  for (const sub of st.subs) {
    if (sub.machine === null || sub.finished) continue;
    const r = step(sub.machine, { type: "deadline", at });
    if (!r.ok) continue;
    sub.machine = r.state;
    sub.finished = r.state.finished;
    for (const e of r.effects) if (e.type === "timed-out") ctx.effects.push(e);
  }
}

function onTimeout(ctx: StepContext, party: string | undefined): void {
  const { st } = ctx;
  for (const th of st.threads) {
    if (th.terminal || (party !== undefined && th.party !== party)) continue;
    timeOut(ctx, th, th.deadline);
  }
  for (const sub of st.subs) {
    if (sub.machine === null || sub.finished) continue;
    const r = step(sub.machine, { type: "timeout", party });
    if (!r.ok) continue;
    sub.machine = r.state;
    sub.finished = r.state.finished;
    for (const e of r.effects) if (e.type === "timed-out") ctx.effects.push(e);
  }
}
