import { type AclMessage, type AgentIdentifier, aid } from "../acl/mod.ts";
import type {
  MachineState,
  ProtocolName,
  TrackedConversation,
  TrackerEffect,
  TrackerState,
} from "../../protocols/mod.ts";

/**
 * What the runtime tells a conversation's initiator when deadlines pass:
 * - `timeout`: parties did not answer by the `reply_by` (or the conversation went idle, or
 *   the shell gave up on them); their threads ended. Sent as a `failure`.
 * - `reply-by-passed`: a call's `reply_by` passed and the silent parties stay in (an
 *   auction round closed: they passed). Sent as an `inform`, so an auctioneer, which has
 *   no timer of its own, learns that the round is over.
 */
export interface DeadlineNotice {
  kind: "timeout" | "reply-by-passed";
  /** The initiator, who is told. */
  to: string;
  /** Whether the tracker that saw the expiry is the initiator's own. */
  self: boolean;
  conversation_id: string;
  protocol: ProtocolName;
  /** The participants concerned. */
  parties: string[];
  reason: "deadline" | "timeout" | "idle";
  /** The `reply_by` values that passed (as the messages carried them). */
  deadlines: string[];
}

const AUCTIONS: ReadonlySet<string> = new Set(["fipa-auction-english", "fipa-auction-dutch"]);

function conversationsWith(st: TrackerState, cid: string): TrackedConversation[] {
  const out: TrackedConversation[] = [];
  for (const role of ["initiator", "participant"] as const) {
    const c = st.active.get(`${role}|${cid}`);
    if (c !== undefined) out.push(c);
  }
  return out;
}

function findAfter(
  after: TrackerState,
  key: string,
  c: TrackedConversation,
): TrackedConversation | undefined {
  return after.active.get(key) ??
    after.finished.findLast((f) => f.conversation_id === c.conversation_id && f.role === c.role);
}

function deadlinesOf(m: MachineState, parties: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const t of m.threads) {
    if (parties.has(t.party) && t.deadline !== null) out.add(t.deadline.at);
  }
  return [...out];
}

/**
 * The notices a tracker's deadline step calls for: one `timeout` notice per
 * `notify-initiator` effect, and one `reply-by-passed` notice per auction this agent runs
 * in which bidders went from `called` to `passed`. Pure: compares the tracker state before
 * and after the step.
 *
 * @example
 * ```ts
 * const r = trackDeadline(before, now);
 * for (const n of deadlineNotices(before, r.state, r.effects)) route(noticeMessage(n, ams));
 * ```
 */
export function deadlineNotices(
  before: TrackerState,
  after: TrackerState,
  effects: readonly TrackerEffect[],
): DeadlineNotice[] {
  const out: DeadlineNotice[] = [];
  for (const e of effects) {
    if (e.type !== "notify-initiator") continue;
    const parties = new Set(e.parties);
    const deadlines = new Set<string>();
    for (const c of conversationsWith(before, e.conversation_id)) {
      for (const d of deadlinesOf(c.machine, parties)) deadlines.add(d);
    }
    out.push({
      kind: "timeout",
      to: e.initiator,
      self: e.self,
      conversation_id: e.conversation_id,
      protocol: e.protocol,
      parties: [...e.parties],
      reason: e.reason,
      deadlines: [...deadlines],
    });
  }
  for (const [key, c] of before.active) {
    if (c.role !== "initiator" || !AUCTIONS.has(c.machine.protocol)) continue;
    const next = findAfter(after, key, c);
    if (next === undefined || next === c) continue;
    const passed: string[] = [];
    const deadlines = new Set<string>();
    for (const t of c.machine.threads) {
      if (t.state !== "called" || t.deadline === null) continue;
      const now = next.machine.threads.find((x) => x.party === t.party);
      if (now?.state === "passed") {
        passed.push(t.party);
        deadlines.add(t.deadline.at);
      }
    }
    if (passed.length === 0 || c.machine.initiator === null) continue;
    out.push({
      kind: "reply-by-passed",
      to: c.machine.initiator,
      self: c.machine.initiator === before.agent,
      conversation_id: c.conversation_id,
      protocol: c.machine.protocol,
      parties: passed,
      reason: "deadline",
      deadlines: [...deadlines],
    });
  }
  return out;
}

/**
 * The message that carries a notice to the initiator, from the platform's AMS: a `failure`
 * for a timeout, an `inform` for a passed `reply_by`, in the conversation, with a JSON
 * content `{"notice", "conversation_id", "protocol", "parties", "reason", "deadlines"}`.
 */
export function noticeMessage(n: DeadlineNotice, from: AgentIdentifier): AclMessage {
  return {
    performative: n.kind === "timeout" ? "failure" : "inform",
    sender: from,
    receivers: [aid(n.to)],
    content: {
      notice: n.kind,
      conversation_id: n.conversation_id,
      protocol: n.protocol,
      parties: n.parties,
      reason: n.reason,
      deadlines: n.deadlines,
    },
    conversation_id: n.conversation_id,
    protocol: n.protocol,
  };
}
