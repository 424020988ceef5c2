import { z } from "zod";
import {
  AgentNameSchema,
  JsonValueSchema,
  PerformativeSchema,
  ReplyBySchema,
} from "../runtime/acl/mod.ts";
import { priceOf } from "./from-acl.ts";
import { expected, start, step } from "./machine.ts";
import { type ProtocolName, ProtocolNameSchema } from "./names.ts";
import { isoToMillis, millisToIso } from "./time.ts";
import type { ExpectedMove, MachineState, MessageSeen, Violation } from "./types.ts";

const Text = z.string().max(65536);
const Names = z.union([
  AgentNameSchema.transform((n) => [n]),
  z.array(AgentNameSchema).min(1, "a message needs at least one receiver").max(1024),
]);

/** Schema of one message given to the analyzer (unknown fields are ignored). */
export const AnalyzeMessageSchema = z.object({
  from: AgentNameSchema,
  to: Names,
  performative: PerformativeSchema,
  conversation_id: Text.min(1, "conversation_id must not be empty"),
  reply_with: Text.optional(),
  in_reply_to: Text.optional(),
  reply_by: ReplyBySchema.optional(),
  /** When the message was sent; deadlines (`reply_by`) are checked against it. */
  timestamp: ReplyBySchema.optional(),
  /** The message's own `protocol` parameter (a broker's forwarded act may name one). */
  protocol: Text.optional(),
  reply_to: Names.optional(),
  /** The price a call or bid carries; taken from `content` when absent. */
  price: z.number().finite().optional(),
  content: JsonValueSchema.optional(),
});

/**
 * Schema of the body of `POST /api/v1/conversations/analyze`: a protocol name
 * (case-insensitive) and the conversation's messages in order.
 *
 * @example
 * ```ts
 * AnalyzeRequestSchema.parse({ protocol: "FIPA-Request", messages: [
 *   { from: "a@n", to: "b@n", performative: "request", conversation_id: "c1" },
 *   { from: "b@n", to: "a@n", performative: "inform", conversation_id: "c1" },
 * ] });
 * ```
 */
export const AnalyzeRequestSchema = z.object({
  protocol: ProtocolNameSchema,
  messages: z.array(AnalyzeMessageSchema).min(1, "give at least one message").max(10_000),
});

/** A parsed analyzer request. */
export type AnalyzeRequest = z.output<typeof AnalyzeRequestSchema>;

/** The analyzer's verdict. */
export type AnalyzeResult =
  | {
    legal: true;
    protocol: ProtocolName;
    /** The machine after the last message. */
    state: MachineState;
    finished: boolean;
    expected: ExpectedMove[];
  }
  | {
    legal: false;
    protocol: ProtocolName;
    /** Index of the first offending message. */
    index: number;
    reason: string;
    violation: Violation;
    /** The state before the offending message, and what was legal there. */
    state: MachineState;
    expected: ExpectedMove[];
  };

function seen(m: AnalyzeRequest["messages"][number]): MessageSeen {
  const s: MessageSeen = { performative: m.performative, from: m.from, to: m.to };
  s.conversation_id = m.conversation_id;
  if (m.reply_with !== undefined) s.reply_with = m.reply_with;
  if (m.in_reply_to !== undefined) s.in_reply_to = m.in_reply_to;
  if (m.reply_by !== undefined) s.reply_by = m.reply_by;
  if (m.protocol !== undefined) s.protocol = m.protocol;
  if (m.reply_to !== undefined) s.reply_to = m.reply_to;
  const price = m.price ?? priceOf(m.content);
  if (price !== undefined) s.price = price;
  return s;
}

/** Deadlines of `m` (and its sub-protocols) that passed strictly before `atMs`, by party. */
function passedDeadlines(m: MachineState, atMs: number, out: Map<string, string>): void {
  for (const t of m.threads) {
    if (t.deadline !== null && isoToMillis(t.deadline.at) < atMs) out.set(t.party, t.deadline.at);
  }
  for (const s of m.subs) if (s.machine !== null) passedDeadlines(s.machine, atMs, out);
}

/**
 * Checks a recorded conversation against a protocol, as a bystander that saw every
 * message. A message whose `timestamp` is later than a pending `reply_by` first passes
 * that deadline (the silent party times out; an auction bidder passes the round), so a
 * late reply is reported as such.
 *
 * @example
 * ```ts
 * const r = analyze(AnalyzeRequestSchema.parse({ protocol: "fipa-request", messages: [
 *   { from: "a@n", to: "b@n", performative: "request", conversation_id: "c" },
 *   { from: "b@n", to: "a@n", performative: "propose", conversation_id: "c" },
 * ] }));
 * // r.legal === false, r.index === 1, r.violation.expected includes "agree"
 * ```
 */
export function analyze(req: AnalyzeRequest): AnalyzeResult {
  let s = start(req.protocol, "observer");
  const expired = new Map<string, string>();
  for (let i = 0; i < req.messages.length; i++) {
    const m = req.messages[i];
    if (m.timestamp !== undefined) {
      const atMs = isoToMillis(m.timestamp);
      passedDeadlines(s, atMs, expired);
      // A reply stamped exactly at its reply-by is in time: pass deadlines strictly before.
      const d = step(s, { type: "deadline", at: millisToIso(atMs - 1) });
      if (d.ok) s = d.state;
    }
    const r = step(s, { type: "message", message: seen(m) });
    if (!r.ok) {
      const late = expired.get(m.from);
      const reason = late !== undefined && m.timestamp !== undefined
        ? `${m.performative} from ${m.from} at ${m.timestamp} came after the reply-by deadline ${late}: ${r.violation.reason}`
        : r.violation.reason;
      return {
        legal: false,
        protocol: req.protocol,
        index: i,
        reason,
        violation: { ...r.violation, reason },
        state: s,
        expected: expected(s),
      };
    }
    s = r.state;
  }
  return {
    legal: true,
    protocol: req.protocol,
    state: s,
    finished: s.finished,
    expected: expected(s),
  };
}
