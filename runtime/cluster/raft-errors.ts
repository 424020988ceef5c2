import { ApiError } from "../errors/mod.ts";
import { RaftError } from "../raft/mod.ts";

/**
 * Maps an error of the Raft core or driver onto the API error the HTTP layer reports
 * (`runtime/raft` knows nothing of HTTP; this is the one place that translates).
 * Anything that is not a {@link RaftError} passes through ({@link ApiError}) or becomes
 * `INTERNAL_ERROR`.
 */
export function raftApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (!(e instanceof RaftError)) {
    return new ApiError("INTERNAL_ERROR", String(e), {}, { cause: e });
  }
  const reason = { reason: e.code, ...e.details };
  switch (e.code) {
    case "NOT_LEADER":
      return new ApiError("NOT_LEADER", e.message, { leader: e.leader });
    case "TRANSFER_IN_PROGRESS":
    case "CONF_CHANGE_PENDING":
      return new ApiError("CONFLICT", e.message, reason);
    case "INVALID_CONF_CHANGE":
    case "INVALID_ARGUMENT":
      return new ApiError("INVALID_REQUEST", e.message, reason);
    case "TOO_LARGE":
      return new ApiError("PAYLOAD_TOO_LARGE", e.message, reason);
    case "TIMEOUT":
      return new ApiError("TIMEOUT", e.message, reason);
    case "PROPOSAL_DROPPED":
    case "STOPPED":
    case "NOT_COMMITTED":
    case "OVERTAKEN":
    case "LEADER_CHANGED":
      return new ApiError("UNAVAILABLE", e.message, { ...reason, leader: e.leader });
    case "APPLY_FAILED":
    case "STORAGE_FAILED":
      return new ApiError("INTERNAL_ERROR", e.message, reason, { cause: e.cause });
  }
}

/** Runs `fn` (a call into the Raft driver), mapping what it throws with {@link raftApiError}. */
export async function raftCall<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw raftApiError(e);
  }
}
