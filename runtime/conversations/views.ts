/**
 * The JSON views of the HTTP API over the pure protocol cores: a machine's summary
 * ({@link describeMachine}), a tracked conversation as `GET /api/v1/conversations/{id}` shows
 * it ({@link viewConversations}) and the analyzer's verdict ({@link analysisView}). The cores
 * in `protocols/` return state; this shell shapes it for clients.
 * @module
 */
import {
  type AnalyzeResult,
  conversationsWithId,
  type EndedBy,
  expected,
  type ExpectedMove,
  type MachineState,
  type ProtocolName,
  type Role,
  type TrackedConversation,
  type TrackerState,
  type TrailEntry,
  type Violation,
} from "../../protocols/mod.ts";

/** A compact, JSON-friendly account of a machine's state (for views and the analyzer). */
export interface MachineSummary {
  protocol: string;
  role: Role;
  phase: string;
  initiator: string | null;
  conversation_id: string | null;
  round: number;
  price: number | null;
  finished: boolean;
  participants: {
    name: string;
    state: string;
    cancel_requested: boolean;
    reply_by: string | null;
  }[];
  subs: {
    broker: string;
    /** The sub-conversation's own id, when it is not the outer conversation's. */
    conversation_id: string | null;
    protocol: string | null;
    targets: string[];
    finished: boolean;
    state: MachineSummary | null;
  }[];
}

/** Summarizes a machine's state. */
export function describeMachine(state: MachineState): MachineSummary {
  return {
    protocol: state.protocol,
    role: state.role,
    phase: state.phase,
    initiator: state.initiator,
    conversation_id: state.conversation_id,
    round: state.round,
    price: state.price,
    finished: state.finished,
    participants: state.threads.map((t) => ({
      name: t.party,
      state: t.state,
      cancel_requested: t.cancel,
      reply_by: t.deadline?.at ?? null,
    })),
    subs: state.subs.map((s) => ({
      broker: s.broker,
      conversation_id: s.conversation_id ?? null,
      protocol: s.protocol,
      targets: [...s.targets],
      finished: s.finished,
      state: s.machine === null ? null : describeMachine(s.machine),
    })),
  };
}

/** What `GET /api/v1/conversations/{id}` shows. */
export interface ConversationView {
  conversation_id: string;
  agent: string;
  role: "initiator" | "participant";
  protocol: ProtocolName;
  /** A one-line state: the thread's state for a single participant, else the phase. */
  state: string;
  finished: boolean;
  ended_by: EndedBy | null;
  violation: Violation | null;
  initiator: string | null;
  participants: MachineSummary["participants"];
  expected: ExpectedMove[];
  trail: TrailEntry[];
  trail_dropped: number;
  started_at: string | null;
  last_at: string | null;
  summary: MachineSummary;
  /** For a broker's or recruiter's sub-conversation: the conversation it belongs to. */
  linked_to: string | null;
}

function stateLabel(m: MachineState): string {
  const mine = m.role === "participant" && m.self !== null
    ? m.threads.filter((t) => t.party === m.self)
    : m.threads;
  if (mine.length === 1) return mine[0].state;
  if (mine.length === 0) return m.phase;
  const counts = new Map<string, number>();
  for (const t of mine) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const parts = [...counts].map(([s, n]) => `${n} ${s}`).join(", ");
  return `${m.phase}: ${parts}`;
}

/** The view of one tracked conversation of `agent`. */
export function viewOf(agent: string, c: TrackedConversation): ConversationView {
  const summary = describeMachine(c.machine);
  return {
    conversation_id: c.conversation_id,
    agent,
    role: c.role,
    protocol: c.machine.protocol,
    state: stateLabel(c.machine),
    finished: c.machine.finished || c.ended !== null,
    ended_by: c.ended?.by ?? null,
    violation: c.ended?.violation ?? null,
    initiator: c.machine.initiator,
    participants: summary.participants,
    // Even an ended conversation may take a late move (a retry after a violation, a
    // request for payment after an auction, a late not-understood).
    expected: expected(c.machine),
    trail: c.trail.map((e) => ({ ...e, to: [...e.to] })),
    trail_dropped: c.trail_dropped,
    started_at: c.started_at,
    last_at: c.last_at,
    summary,
    linked_to: c.parent ?? null,
  };
}

/** Views of every conversation with this id (active ones first, then ended ones). */
export function viewConversations(state: TrackerState, conversationId: string): ConversationView[] {
  return conversationsWithId(state, conversationId).map((c) => viewOf(state.agent, c));
}

/** The view of a conversation for `GET /api/v1/conversations/{id}`, if the agent knows it. */
export function viewConversation(
  state: TrackerState,
  conversationId: string,
): ConversationView | undefined {
  return viewConversations(state, conversationId)[0];
}

/** The analyzer's verdict as `POST /api/v1/conversations/analyze` answers it. */
export type AnalysisView =
  & Omit<AnalyzeResult, "state">
  & { state: MachineSummary };

/** The analyzer's verdict with its machine state summarized. */
export function analysisView(r: AnalyzeResult): AnalysisView {
  return { ...r, state: describeMachine(r.state) } as AnalysisView;
}
