import type { AgentRecord } from "./agent-record.ts";
import type { DfAgentDescription } from "./df-description.ts";
import type { Member } from "./member.ts";
import type { DeploymentRecord } from "./deployment-record.ts";

/**
 * Why a command was refused. The first two are the FIPA failure propositions of SC00023;
 * `unsupported-value` covers values the state does not allow (an unknown node, removing the
 * last voter); `stale-location` / `stale-state` are failed preconditions.
 */
export type DirectoryFailureReason = typeof DIRECTORY_FAILURE_REASONS[number];

/** Every {@link DirectoryFailureReason}. */
export const DIRECTORY_FAILURE_REASONS = [
  "already-registered",
  "not-registered",
  "unsupported-value",
  "stale-location",
  "stale-state",
] as const;

/** A change the directory made; DF subscriptions and caches consume these. */
export type DirectoryEvent =
  | { type: "agent.registered"; agent: AgentRecord }
  | { type: "agent.updated"; before: AgentRecord; after: AgentRecord }
  | { type: "agent.deregistered"; agent: AgentRecord }
  | { type: "df.registered"; description: DfAgentDescription }
  | { type: "df.modified"; before: DfAgentDescription; after: DfAgentDescription }
  | { type: "df.deregistered"; description: DfAgentDescription; expired: boolean }
  | { type: "member.added"; member: Member }
  | { type: "member.updated"; before: Member; after: Member }
  | { type: "member.removed"; member: Member }
  | { type: "deployment.changed"; deployment: DeploymentRecord };

/** The outcome of a command that took effect: what it touched and the events it caused. */
export interface ApplyOk {
  ok: true;
  /** The record the command created or changed (the removed one for removals). */
  value?: AgentRecord | DfAgentDescription | Member;
  events: DirectoryEvent[];
  /**
   * True when this is the remembered outcome of a request applied before (a retry): then
   * `value` is absent and `events` empty (nothing changed this time).
   */
  duplicate?: true;
}

/** The outcome of a refused command; the state is unchanged. */
export interface ApplyFailure {
  ok: false;
  reason: DirectoryFailureReason;
  /** Names the offending value. */
  message: string;
  /** True when this is the remembered refusal of a request refused before (a retry). */
  duplicate?: true;
}

/** What {@link apply} returns: data, never an exception. */
export type ApplyResult = ApplyOk | ApplyFailure;

/**
 * The outcome of a request as the directory remembers it for retries: whether it took
 * effect, and if not why (the value and events are not kept; a retry changes nothing).
 */
export type RememberedOutcome =
  | { ok: true }
  | { ok: false; reason: DirectoryFailureReason; message: string };
