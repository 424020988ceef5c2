import { type AclMessage, aid, type JsonValue } from "../acl/mod.ts";
import { type Bid, bidFacts, chooseBest, type Strategy } from "./bids.ts";

/** How one contract net is run. */
export interface CnetOptions {
  task_id: string;
  conversation_id: string;
  /** The initiator's name (the sender of every message it sends). */
  initiator: string;
  /** The participants, by name; each gets its own `cfp`. */
  participants: string[];
  /** The content of the `cfp` (the task). */
  content: JsonValue;
  strategy: Strategy;
  /** The bidding deadline (ISO 8601), sent as the cfp's `reply_by`. */
  reply_by: string;
  /** The deadline for the winner's result, sent as the accept's `reply_by`. */
  result_by?: string;
}

/** Where one participant stands, from the initiator's side. */
export type ParticipantState =
  | "called"
  | "proposed"
  | "refused"
  | "not-understood"
  | "unreachable"
  | "timed-out"
  | "accepted"
  | "rejected"
  | "done"
  | "failed";

/** One participant's record. */
export interface ParticipantRecord {
  state: ParticipantState;
  bid: Bid | null;
  /** Why it dropped out or failed, when it did. */
  reason: string | null;
  /** The `reply_with` of its last message (answered with `in_reply_to`). */
  reply_with: string | null;
}

/**
 * A contract net seen from its initiator: plain JSON, changed only by the functions of this
 * module (pure: time comes in as arguments), which never change a state in place but return
 * a new one (sharing what did not change): a state once made can be kept as it is (the task
 * service writes it to the store later without copying it).
 */
export interface CnetState {
  v: 1;
  opts: CnetOptions;
  /** `bidding` → `awarded` (waiting for the winner's result) → `completed` or `failed`. */
  phase: "bidding" | "awarded" | "completed" | "failed";
  /** Proposals so far (gives bids their arrival order). */
  seq: number;
  participants: Record<string, ParticipantRecord>;
  /**
   * How many participants are still `called` (kept with each change, so that whether the
   * bidding is over is known without going through every participant on every answer);
   * absent in states kept by earlier versions, which are counted instead.
   */
  called?: number;
  winner: string | null;
  result: JsonValue | null;
  failure: string | null;
}

/** The next state and the messages to send, in order. */
export interface CnetStep {
  state: CnetState;
  out: AclMessage[];
}

const PROTOCOL = "fipa-contract-net";

function message(
  st: CnetState,
  performative: AclMessage["performative"],
  to: string,
  content: JsonValue,
  extra: Partial<AclMessage> = {},
): AclMessage {
  const m: AclMessage = {
    performative,
    sender: aid(st.opts.initiator),
    receivers: [aid(to)],
    content,
    protocol: PROTOCOL,
    conversation_id: st.opts.conversation_id,
    ...extra,
  };
  const rw = st.participants[to]?.reply_with;
  if (rw && m.in_reply_to === undefined && performative !== "cfp") m.in_reply_to = rw;
  return m;
}

function copy(st: CnetState): CnetState {
  return { ...st, participants: { ...st.participants } };
}

/** Participants still `called` (counted for a state of an earlier version). */
function calledCount(st: CnetState): number {
  if (st.called !== undefined) return st.called;
  let n = 0;
  for (const p of Object.values(st.participants)) if (p.state === "called") n++;
  return n;
}

/** Sets a participant's record on a copy (`next`), keeping the count of those `called`. */
function setParticipant(next: CnetState, name: string, rec: ParticipantRecord): void {
  const delta = (rec.state === "called" ? 1 : 0) -
    (next.participants[name]?.state === "called" ? 1 : 0);
  if (delta !== 0) next.called = calledCount(next) + delta;
  next.participants[name] = rec;
}

/**
 * Opens a contract net: a `cfp` to each participant, with the bidding deadline as
 * `reply_by`.
 *
 * @example
 * ```ts
 * const { state, out } = cnetStart({ task_id: "t1", conversation_id: "task-t1",
 *   initiator: "_t1@n", participants: ["a@n", "b@n"], content: { job: 1 },
 *   strategy: "best_bid", reply_by: "2030-01-01T00:00:00.000Z" });
 * out.length; // 2
 * ```
 */
export function cnetStart(opts: CnetOptions): CnetStep {
  const participants: Record<string, ParticipantRecord> = {};
  for (const p of opts.participants) {
    participants[p] = { state: "called", bid: null, reason: null, reply_with: null };
  }
  const st: CnetState = {
    v: 1,
    opts: { ...opts, participants: [...opts.participants] },
    phase: "bidding",
    seq: 0,
    participants,
    called: Object.keys(participants).length,
    winner: null,
    result: null,
    failure: null,
  };
  const out = opts.participants.map((p, i) =>
    message(st, "cfp", p, opts.content, {
      reply_by: opts.reply_by,
      reply_with: `${opts.conversation_id}-cfp-${i + 1}`,
    })
  );
  return { state: st, out };
}

/** Whether every participant has answered the cfp (or dropped out). O(1). */
export function biddingClosed(st: CnetState): boolean {
  return calledCount(st) === 0;
}

/** A participant the cfp could not reach drops out. */
export function cnetUnreachable(st: CnetState, party: string, reason: string): CnetState {
  const p = st.participants[party];
  if (p === undefined || p.state !== "called") return st;
  const next = copy(st);
  setParticipant(next, party, { ...p, state: "unreachable", reason });
  return next;
}

/**
 * Parties that did not answer in time (the runtime's deadline notice): silent bidders drop
 * out; a silent winner fails the task.
 */
export function cnetTimedOut(st: CnetState, parties: readonly string[]): CnetState {
  let next: CnetState | undefined;
  for (const party of parties) {
    const p = st.participants[party];
    if (p === undefined) continue;
    if (p.state === "called") {
      next ??= copy(st);
      setParticipant(next, party, { ...p, state: "timed-out", reason: "no answer by reply_by" });
    } else if (p.state === "accepted" && st.phase === "awarded") {
      next ??= copy(st);
      setParticipant(next, party, { ...p, state: "failed", reason: "no result in time" });
      next.phase = "failed";
      next.failure = `${party} sent no result in time`;
    }
  }
  return next ?? st;
}

/**
 * Takes a message of the conversation from `from` (its canonical name), at `at`:
 * proposals and refusals while bidding (a late proposal is rejected), then the winner's
 * `inform` (the result) or `failure`. Anything else changes nothing.
 */
export function cnetReceive(st: CnetState, from: string, msg: AclMessage, at: string): CnetStep {
  const p = st.participants[from];
  if (p === undefined || msg.conversation_id !== st.opts.conversation_id) {
    return { state: st, out: [] };
  }
  const next = copy(st);
  const rec: ParticipantRecord = { ...p, reply_with: msg.reply_with ?? p.reply_with };
  const act = msg.performative;
  if (p.state === "called") {
    if (act === "propose") {
      next.seq = st.seq + 1;
      const facts = bidFacts(msg.content);
      rec.bid = { agent: from, content: msg.content ?? null, ...facts, seq: next.seq, at };
      rec.state = "proposed";
      if (st.phase !== "bidding") {
        rec.state = "rejected";
        rec.reason = "late proposal";
        setParticipant(next, from, rec);
        const out = [
          message(next, "reject-proposal", from, {
            task_id: st.opts.task_id,
            reason: "the bidding had closed",
          }),
        ];
        return { state: next, out };
      }
    } else if (act === "refuse") {
      rec.state = "refused";
      rec.reason = reasonOf(msg.content) ?? "refused";
    } else if (act === "not-understood") {
      rec.state = "not-understood";
      rec.reason = reasonOf(msg.content) ?? "not understood";
    } else return { state: st, out: [] };
    setParticipant(next, from, rec);
    return { state: next, out: [] };
  }
  if (p.state === "accepted" && st.phase === "awarded") {
    if (act === "inform") {
      rec.state = "done";
      next.phase = "completed";
      next.result = msg.content ?? null;
    } else if (act === "failure" || act === "not-understood") {
      rec.state = "failed";
      rec.reason = reasonOf(msg.content) ?? act;
      next.phase = "failed";
      next.failure = `${from} answered ${act}: ${rec.reason}`;
    } else return { state: st, out: [] };
    setParticipant(next, from, rec);
    return { state: next, out: [] };
  }
  return { state: st, out: [] };
}

/**
 * Closes the bidding: the best proposal under the strategy gets `accept-proposal`, every
 * other proposer `reject-proposal`; participants still silent stay `called` (a proposal
 * that comes later is rejected; the runtime's deadline notice times them out). With no
 * proposal the contract net fails.
 */
export function cnetAward(st: CnetState): CnetStep {
  if (st.phase !== "bidding") return { state: st, out: [] };
  const next = copy(st);
  const bids = Object.values(next.participants).flatMap((p) =>
    p.state === "proposed" && p.bid !== null ? [p.bid] : []
  );
  const best = chooseBest(bids, st.opts.strategy);
  if (best === undefined) {
    next.phase = "failed";
    next.failure = "no proposals";
    return { state: next, out: [] };
  }
  next.phase = "awarded";
  next.winner = best.agent;
  const out: AclMessage[] = [
    message(next, "accept-proposal", best.agent, {
      task_id: st.opts.task_id,
      accepted: best.content,
    }, st.opts.result_by === undefined ? {} : { reply_by: st.opts.result_by }),
  ];
  setParticipant(next, best.agent, { ...next.participants[best.agent], state: "accepted" });
  for (const b of bids) {
    if (b.agent === best.agent) continue;
    out.push(message(next, "reject-proposal", b.agent, {
      task_id: st.opts.task_id,
      reason: `another proposal was accepted (${st.opts.strategy})`,
    }));
    setParticipant(next, b.agent, { ...next.participants[b.agent], state: "rejected" });
  }
  return { state: next, out };
}

/** The initiator stops waiting for the winner's result. */
export function cnetGiveUp(st: CnetState, reason: string): CnetState {
  if (st.phase === "completed" || st.phase === "failed") return st;
  const next = copy(st);
  next.phase = "failed";
  next.failure = reason;
  if (st.winner !== null) {
    setParticipant(next, st.winner, { ...next.participants[st.winner], state: "failed", reason });
  }
  return next;
}

/** Counts of a contract net's answers. */
export function cnetCounts(
  st: CnetState,
): { proposals: number; refusals: number; no_response: number; unreachable: number } {
  let proposals = 0;
  let refusals = 0;
  let noResponse = 0;
  let unreachable = 0;
  for (const p of Object.values(st.participants)) {
    if (p.bid !== null) proposals++;
    else if (p.state === "refused" || p.state === "not-understood") refusals++;
    else if (p.state === "unreachable") unreachable++;
    else if (p.state === "called" || p.state === "timed-out") noResponse++;
  }
  return { proposals, refusals, no_response: noResponse, unreachable };
}

function reasonOf(content: JsonValue | undefined): string | undefined {
  if (typeof content === "string") return content.slice(0, 500);
  if (content !== null && typeof content === "object" && !Array.isArray(content)) {
    for (const k of ["reason", "error", "message"]) {
      const v = Object.hasOwn(content, k) ? content[k] : undefined;
      if (typeof v === "string") return v.slice(0, 500);
    }
    return JSON.stringify(content).slice(0, 500);
  }
  return undefined;
}
