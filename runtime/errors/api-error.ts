import { ERROR_STATUS, type ErrorCode } from "./codes.ts";

/** Extra, machine-readable facts about an error (the `details` of the JSON error shape). */
export type ErrorDetails = Record<string, unknown>;

/**
 * An error that maps onto the API's JSON error shape
 * `{"error": {"code", "message", "details", "trace_id"}}`. Throw it anywhere below the HTTP
 * layer; the error middleware turns it into the response.
 *
 * @example
 * ```ts
 * throw new ApiError("AGENT_NOT_FOUND", `Agent 'echo' not found`, { agent: "echo" });
 * ```
 */
export class ApiError extends Error {
  /** HTTP status for {@link code}. */
  readonly status: number;
  /** Extra headers the response should carry (e.g. `Retry-After`). */
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    options: { headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "ApiError";
    this.status = ERROR_STATUS[code];
    this.headers = options.headers ?? {};
  }
}

/** The JSON body of an error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: ErrorDetails; trace_id: string };
}

/** Builds the JSON body for an error. */
export function errorBody(err: ApiError, traceId: string): ErrorBody {
  return {
    error: { code: err.code, message: err.message, details: err.details, trace_id: traceId },
  };
}
