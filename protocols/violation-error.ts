import { ApiError } from "../runtime/errors/mod.ts";
import type { Violation } from "./types.ts";

/**
 * The `409 PROTOCOL_VIOLATION` error for a violation, with protocol, state and the
 * expected performatives in its details.
 *
 * @example
 * ```ts
 * const r = step(state, event);
 * if (!r.ok) throw violationError(r.violation);
 * ```
 */
export function violationError(v: Violation): ApiError {
  return new ApiError("PROTOCOL_VIOLATION", `${v.protocol}: ${v.reason}`, {
    protocol: v.protocol,
    state: v.state,
    expected: v.expected,
    got: v.got,
    ...(v.party === undefined ? {} : { party: v.party }),
  });
}
