/**
 * Errors of the Raft core and its driver: why a request could not be served, as data the
 * caller maps onto its own error vocabulary (the HTTP mapping lives in `runtime/cluster`).
 * @module
 */

/** Why a request to the Raft core or driver was refused or failed. */
export type RaftErrorCode =
  /** The node is not the leader; `leader` names the leader if known. */
  | "NOT_LEADER"
  /** A leadership transfer is in progress; proposals are refused until it ends. */
  | "TRANSFER_IN_PROGRESS"
  /** A membership change is still uncommitted, or this term has no committed entry yet. */
  | "CONF_CHANGE_PENDING"
  /** The membership change makes no sense for the current configuration. */
  | "INVALID_CONF_CHANGE"
  /** The proposal was not committed: another entry took its place, or it timed out. */
  | "PROPOSAL_DROPPED"
  /** An argument is out of range (e.g. compacting beyond the applied index). */
  | "INVALID_ARGUMENT"
  // Raised by the driver:
  /** The command is larger than the driver accepts (`details.size`, `details.max`). */
  | "TOO_LARGE"
  /** The driver was stopped (or stopped itself after a storage failure: `cause`). */
  | "STOPPED"
  /** A proposal or read waited past its deadline; a proposal's outcome is unknown. */
  | "TIMEOUT"
  /** A proposal's log slot went to another entry: it did not commit there. */
  | "NOT_COMMITTED"
  /** A snapshot replaced the log past a proposal's index; its outcome is unknown. */
  | "OVERTAKEN"
  /** The leader changed while a read waited for confirmation (the read had no effect). */
  | "LEADER_CHANGED"
  /** The state machine threw while applying the proposal's entry (`cause`). */
  | "APPLY_FAILED"
  /** Storage failed; the node stopped (`cause`). */
  | "STORAGE_FAILED";

/** Extra facts about a {@link RaftError}. */
export interface RaftErrorDetails {
  /** The log index concerned. */
  index?: number;
  /** Sizes, for `TOO_LARGE`. */
  size?: number;
  max?: number;
}

/**
 * An error from the Raft core or driver.
 *
 * @example
 * ```ts
 * try { node.propose("x"); } catch (e) {
 *   if (e instanceof RaftError && e.code === "NOT_LEADER") retryAt(e.leader);
 * }
 * ```
 */
export class RaftError extends Error {
  /** Machine-readable reason. */
  readonly code: RaftErrorCode;
  /** The current leader, when known (for `NOT_LEADER`, `LEADER_CHANGED`). */
  readonly leader: string | null;
  /** Extra facts (index, sizes). */
  readonly details: RaftErrorDetails;

  /**
   * @param code the reason; `message` says what was refused; `leader` the known leader;
   * `details` and `cause` as available
   */
  constructor(
    code: RaftErrorCode,
    message: string,
    leader: string | null = null,
    details: RaftErrorDetails = {},
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "RaftError";
    this.code = code;
    this.leader = leader;
    this.details = details;
  }
}

/**
 * Whether a failed proposal may still have taken effect (its entry may be, or become,
 * committed): a timeout, a snapshot overtaking it, the driver stopping under it. Every
 * other code means the command did not, and will not, take effect through this attempt.
 */
export function outcomeUnknown(e: RaftError): boolean {
  return e.code === "TIMEOUT" || e.code === "OVERTAKEN" || e.code === "STOPPED" ||
    e.code === "STORAGE_FAILED";
}
