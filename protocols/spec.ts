import type { Performative } from "../runtime/acl/mod.ts";
import type { ProtocolName } from "./names.ts";
import type {
  Effect,
  MachineState,
  MessageSeen,
  ProtocolEvent,
  Role,
  Side,
  StepResult,
  Thread,
  ThreadDeadline,
  ThreadStateName,
  Violation,
} from "./types.ts";

/** How a spec starts and steps a nested machine (a broker's sub-protocol). */
export interface NestedMachines {
  start(protocol: ProtocolName, role: Role, init: StartInit): MachineState;
  step(state: MachineState, event: ProtocolEvent): StepResult;
  /** The first act that opens `protocol`. */
  openingOf(protocol: ProtocolName): Performative;
}

/** What {@link start} may be told up front; anything missing is learned from messages. */
export interface StartInit {
  /** This agent's name. Needed for a participant when the opening goes to several agents. */
  self?: string;
  /** Agents that may act for the initiator (a recruiter's designated receivers). */
  aliases?: string[];
  conversation_id?: string;
}

/** The mutable working copy a step operates on, and what it reports. */
export interface StepContext {
  st: MachineState;
  effects: Effect[];
  nested: NestedMachines;
  /** Builds a violation naming this protocol, the thread's state and its legal acts. */
  violate(reason: string, got: Performative, th?: Thread, side?: Side): Violation;
}

/**
 * One interaction protocol's rules at the level of a participant's thread. The engine
 * handles what all protocols share (routing, the cancel meta-protocol, `not-understood`,
 * deadlines, direction checks); a spec only says which acts are legal and what they do.
 */
export interface ProtocolSpec {
  name: ProtocolName;
  /** Acts the initiator may open the conversation with. */
  opening: readonly Performative[];
  /** Protocol acts (not meta acts) legal on `th` for `side` now. */
  allowed(st: MachineState, th: Thread, side: Side): readonly Performative[];
  /**
   * Applies an act that {@link allowed} admits; returns a reason when a message-level
   * rule fails (e.g. a price that does not rise). Runs on the working copy.
   */
  apply(ctx: StepContext, th: Thread, side: Side, msg: MessageSeen): string | undefined;
  /**
   * Whether `msg` answers an earlier step of `th` than its current one (an auction
   * bidder's answer to a call that closed before it arrived): such an act is accepted and
   * changes nothing, since the step it answers is over. Default: never.
   */
  lateAnswer?(th: Thread, side: Side, msg: MessageSeen): boolean;
  /** Whether the initiator may open a thread with a new party with `act` now. */
  canJoin(st: MachineState, act: Performative): boolean;
  /** A thread's deadline passed (default: the thread times out). */
  onDeadline?(ctx: StepContext, th: Thread, deadline: ThreadDeadline): void;
  /**
   * Messages that are not between the initiator and a participant (a broker's forwarding
   * sub-conversations): `undefined` leaves the message to the engine.
   */
  route?(ctx: StepContext, msg: MessageSeen): Violation | "handled" | undefined;
  /** Runs after every accepted event. */
  settle?(ctx: StepContext): void;
  /** Extra expected moves beyond the threads' own (e.g. a broker's forwarding). */
  extraMoves?(st: MachineState): { from: string; to: string; performatives: Performative[] }[];
  /**
   * Whether a message changes at most the thread {@link apply} is given (and the machine's
   * own scalar fields), never another thread nor a sub-protocol, and the spec has no
   * {@link route} or {@link settle}: then a step copies only the threads it acts on and
   * shares the others with the state before (a contract net with n bidders would otherwise
   * copy all n threads on each of its ~3n messages). Default: false (the whole state is
   * copied).
   */
  threadLocal?: boolean;
}

/** A fresh thread for `party`, before the opening act is applied. */
export function newThread(party: string): Thread {
  return {
    party,
    state: "idle",
    terminal: false,
    cancel: false,
    last: null,
    deadline: null,
    round: 0,
    won: false,
    await_final: false,
    call: null,
  };
}

/** Moves a thread to `state`; reports the end of the thread when it becomes terminal. */
export function moveTo(
  ctx: StepContext,
  th: Thread,
  state: ThreadStateName,
  terminal: boolean,
): void {
  const wasTerminal = th.terminal;
  th.state = state;
  th.terminal = terminal;
  if (terminal) {
    th.deadline = null;
    if (!wasTerminal) ctx.effects.push({ type: "thread-ended", party: th.party, state });
  }
}

/** Ends a thread whose deadline passed (or that the shell timed out), reporting it. */
export function timeOut(ctx: StepContext, th: Thread, deadline: ThreadDeadline | null): void {
  const awaiting = deadline?.awaiting ?? (th.last === "initiator" ? "participant" : "initiator");
  ctx.effects.push({
    type: "timed-out",
    party: th.party,
    awaiting,
    deadline: deadline?.at ?? null,
  });
  th.cancel = false;
  moveTo(ctx, th, "timed-out", true);
}

const NO_ACTS: readonly Performative[] = Object.freeze([]);

/** Thread transitions: per state, per side, act → next state. */
export type TransitionTable = Partial<
  Record<ThreadStateName, Partial<Record<Side, Partial<Record<Performative, ThreadStateName>>>>>
>;

/**
 * A spec for a protocol whose threads follow a plain transition table (request, query,
 * request-when, propose, subscribe).
 */
export function tableSpec(
  name: ProtocolName,
  table: TransitionTable,
  terminal: readonly ThreadStateName[],
): ProtocolSpec {
  const opening = Object.keys(table.idle?.initiator ?? {}) as Performative[];
  const terminalSet: ReadonlySet<string> = new Set(terminal);
  // The acts of each state and side, listed once (not an array per message).
  const acts = new Map<string, Record<Side, readonly Performative[]>>();
  for (const [state, sides] of Object.entries(table)) {
    acts.set(state, {
      initiator: Object.freeze(Object.keys(sides?.initiator ?? {}) as Performative[]),
      participant: Object.freeze(Object.keys(sides?.participant ?? {}) as Performative[]),
    });
  }
  return {
    name,
    opening,
    allowed: (_st, th, side) => acts.get(th.state)?.[side] ?? NO_ACTS,
    apply(ctx, th, side, msg) {
      const next = table[th.state]?.[side]?.[msg.performative];
      if (next === undefined) return `no transition for ${msg.performative} in ${th.state}`;
      moveTo(ctx, th, next, terminalSet.has(next));
      return undefined;
    },
    canJoin: (st, act) => !st.finished && opening.includes(act),
    threadLocal: true,
  };
}
