import type { Performative } from "../runtime/acl/mod.ts";
import type { ProtocolName } from "./names.ts";

/** Which side of one participant's thread an act comes from. */
export type Side = "initiator" | "participant";

/**
 * Whose view a machine takes: the agent that opened the conversation, an agent it was
 * opened with, or a bystander (the analyzer) that sees every message.
 */
export type Role = "initiator" | "participant" | "observer";

/** A message as seen by one agent: sent by it or received by it. */
export type Direction = "sent" | "received";

/**
 * The protocol-relevant facts of one ACL message (agent names, not full identifiers).
 *
 * @example
 * ```ts
 * const m: MessageSeen = { performative: "request", from: "a@n", to: ["b@n"],
 *   conversation_id: "c1", reply_with: "r1" };
 * ```
 */
export interface MessageSeen {
  performative: Performative;
  from: string;
  to: string[];
  conversation_id?: string;
  reply_with?: string;
  in_reply_to?: string;
  /** ISO 8601: by when the sender wants the next message of the flow from the receivers. */
  reply_by?: string;
  /** The message's `protocol` parameter, when it names one (used for forwarded acts). */
  protocol?: string;
  /** The message's `reply_to` agents (a recruiter's designated receivers). */
  reply_to?: string[];
  /** A price the content carries (auction calls and bids), when the shell can tell. */
  price?: number;
}

/**
 * What a machine is fed: a message seen in a direction, a deadline instant reached (the
 * shell's clock says it is now `at`), or a timeout the shell decided on.
 */
export type ProtocolEvent =
  | { type: "message"; direction?: Direction; message: MessageSeen }
  | { type: "deadline"; at: string }
  | { type: "timeout"; party?: string };

/** What a protocol violation names: the HTTP layer answers 409 with it. */
export interface Violation {
  protocol: ProtocolName;
  /** The state (of the participant's thread, or of the conversation) the act was tried in. */
  state: string;
  /** The performatives that were legal there for the sender. */
  expected: Performative[];
  got: Performative;
  reason: string;
  /** The participant whose thread was involved, when one was. */
  party?: string;
}

/** Something the shell around a machine should know about after a step. */
export type Effect =
  | { type: "thread-ended"; party: string; state: string }
  | { type: "timed-out"; party: string; awaiting: Side; deadline: string | null }
  | { type: "finished" }
  | { type: "sub-started"; broker: string; protocol: ProtocolName | null; targets: string[] };

/** The result of {@link step}: the next state and effects, or a violation. */
export type StepResult =
  | { ok: true; state: MachineState; effects: Effect[] }
  | { ok: false; violation: Violation };

/** Legal next acts from one agent to another (`to: "*"` means any new participant). */
export interface ExpectedMove {
  from: string;
  to: string;
  performatives: Performative[];
}

/** A deadline a thread is waiting on: the side that must speak next, by when. */
export interface ThreadDeadline {
  at: string;
  awaiting: Side;
}

/** One participant's thread of a conversation (its sub-state). */
export interface Thread {
  party: string;
  state: ThreadStateName;
  terminal: boolean;
  /** The initiator asked to cancel and the participant has not answered yet. */
  cancel: boolean;
  /** Who spoke last on this thread. */
  last: Side | null;
  deadline: ThreadDeadline | null;
  /** Contract-net iteration / auction round this thread is in. */
  round: number;
  /** Auctions: this bidder holds an accepted bid. */
  won: boolean;
  /** Brokering: every forwarded sub-protocol ended; the next relay is the final one. */
  await_final: boolean;
  /**
   * Auctions: the `reply_with` of the call (`cfp`) this bidder was sent last, when it
   * carried one. An answer whose `in_reply_to` names another call answers an earlier one.
   */
  call: string | null;
}

/** A sub-protocol a broker or recruiter runs with target agents (SC00033/SC00034). */
export interface SubConversation {
  broker: string;
  /**
   * The sub-conversation's own conversation id when it differs from the outer one (a
   * broker that opens its exchange with the targets under a new id); `null`: the same id.
   */
  conversation_id: string | null;
  /** `null` when the forwarded act opens no protocol (e.g. a forwarded `inform`). */
  protocol: ProtocolName | null;
  targets: string[];
  machine: MachineState | null;
  finished: boolean;
  /** Messages the targets sent in this sub-protocol. */
  replies: number;
}

/**
 * The conversation-level phase: `start` before the first message, `open` once it is
 * under way; auctions go `announced` → `bidding` → `ended`.
 */
export type Phase = typeof PHASES[number];

/**
 * The whole state of one protocol machine: plain JSON (it goes into agent snapshots).
 * Absent values are `null`, never `undefined`, so JSON round-trips are exact.
 */
export interface MachineState {
  v: 1;
  protocol: ProtocolName;
  role: Role;
  /** This agent's name (the viewpoint), when known. */
  self: string | null;
  initiator: string | null;
  /** Agents that may speak for the initiator (a recruiter's designated receivers). */
  aliases: string[];
  conversation_id: string | null;
  phase: Phase;
  /** Contract-net iteration or auction round (1-based; 0 before the first call). */
  round: number;
  /** The last called price (auctions). */
  price: number | null;
  /** Iterated contract net: a proposal was accepted, so no further iteration. */
  final: boolean;
  /** Auctions: accept-proposals sent in the current round. */
  round_accepts: number;
  threads: Thread[];
  subs: SubConversation[];
  /** Messages accepted so far. */
  steps: number;
  finished: boolean;
}

/** Every thread state any protocol uses (the state schema admits exactly these). */
export const THREAD_STATES = [
  // before the opening act is applied (never persists)
  "idle",
  // request, query, request-when
  "requested",
  "queried",
  "agreed",
  "refused",
  "failed",
  "done",
  // propose, contract net
  "proposed",
  "called",
  "accepted",
  "rejected",
  // subscribe
  "subscribed",
  "notifying",
  // auctions
  "joined",
  "bid",
  "passed",
  "closed",
  "won",
  "payment-requested",
  "payment-agreed",
  "paid",
  "payment-refused",
  "payment-failed",
  // brokering, recruiting
  "proxied",
  "forwarding",
  "relaying",
  "proxy-done",
  // meta
  "not-understood",
  "timed-out",
  "cancelled",
  "cancel-failed",
] as const;

/** One thread state. */
export type ThreadStateName = typeof THREAD_STATES[number];

/** Every conversation phase. */
export const PHASES = ["start", "open", "announced", "bidding", "ended"] as const;
