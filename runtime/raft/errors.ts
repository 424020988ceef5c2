/**
 * Errors the Raft core raises when asked to do something it cannot do in its current state.
 * @module
 */

/** Why a request to the Raft core was refused. */
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
  | "INVALID_ARGUMENT";

/**
 * An error from the Raft core.
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
  /** The current leader, when known (for `NOT_LEADER`). */
  readonly leader: string | null;

  /** @param code the reason; `message` says what was refused; `leader` the known leader */
  constructor(code: RaftErrorCode, message: string, leader: string | null = null) {
    super(message);
    this.name = "RaftError";
    this.code = code;
    this.leader = leader;
  }
}
