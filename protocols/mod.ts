/**
 * The FIPA interaction protocols as pure, serializable state machines, the per-agent
 * conversation tracker and the conversation analyzer.
 *
 * - Machines: {@link start}, {@link step}, {@link isFinished}, {@link expected} over a
 *   plain-JSON {@link MachineState} ({@link MachineStateSchema}).
 *   One machine models one conversation from one role's viewpoint, with a thread per
 *   participant; the cancel meta-protocol, `not-understood` and `reply-by` deadlines
 *   (fed from outside as events) work in every protocol.
 * - Tracker: {@link createTracker}, {@link trackMessage}, {@link trackDeadline},
 *   {@link trackTimeout}, {@link conversationsWithId}.
 * - Analyzer: {@link analyze} with {@link AnalyzeRequestSchema}.
 *
 * All of it is pure and returns state; the JSON views the HTTP API shows (machine summaries,
 * conversation views, the analyzer's answer) are shaped in `runtime/conversations/views.ts`.
 *
 * @example
 * ```ts
 * import { start, step } from "./protocols/mod.ts";
 * let s = start("fipa-contract-net", "initiator");
 * const r = step(s, { type: "message", direction: "sent", message:
 *   { performative: "cfp", from: "m@n", to: ["a@n", "b@n"], conversation_id: "t1",
 *     reply_by: "2030-01-01T00:00:00Z" } });
 * if (!r.ok) throw new Error(r.violation.reason);
 * s = r.state;
 * ```
 * @module
 */
export {
  isProtocolName,
  parseProtocolName,
  PROTOCOL_NAMES,
  PROTOCOL_SPECS,
  type ProtocolName,
  ProtocolNameSchema,
  protocolOpenedBy,
} from "./names.ts";
export type {
  Direction,
  Effect,
  ExpectedMove,
  MachineState,
  MessageSeen,
  Phase,
  ProtocolEvent,
  Role,
  Side,
  StepResult,
  SubConversation,
  Thread,
  ThreadDeadline,
  ThreadStateName,
  Violation,
} from "./types.ts";
export { PHASES, THREAD_STATES } from "./types.ts";
export type { StartInit } from "./spec.ts";
export {
  MachineStateSchema,
  MessageSeenSchema,
  ProtocolEventSchema,
  ViolationSchema,
} from "./schema.ts";
export { violationError } from "./violation-error.ts";
export { expected, isFinished, MAX_PARTICIPANTS, start, step } from "./machine.ts";
export { priceOf, seenFromAcl } from "./from-acl.ts";
export {
  activeConversations,
  conversationsWithId,
  createTracker,
  DEFAULT_TRACKER_LIMITS,
  type EndedBy,
  trackDeadline,
  type TrackedConversation,
  type TrackedMessage,
  type TrackerEffect,
  type TrackerLimits,
  type TrackerState,
  trackerStateFromJson,
  type TrackerStateJson,
  TrackerStateSchema,
  trackerStateToJson,
  trackMessage,
  type TrackResult,
  trackTimeout,
  type TrailEntry,
} from "./tracker.ts";
export {
  analyze,
  AnalyzeMessageSchema,
  type AnalyzeRequest,
  AnalyzeRequestSchema,
  type AnalyzeResult,
} from "./analyze.ts";
export { isoToMillis, millisToIso } from "./time.ts";
