/**
 * How a failed request travels between nodes (pure): an ERROR frame's body is
 * `{code, message, details}` with an API error code; the requester rethrows it as an
 * {@link ApiError} whose details also name the peer and protocol.
 * @module
 */
import { z } from "zod";
import { ApiError, ERROR_STATUS, type ErrorCode } from "../errors/mod.ts";

/** The body of an ERROR frame. */
export const WireErrorSchema = z.object({
  code: z.string().max(64),
  message: z.string().max(4096),
  details: z.record(z.string(), z.unknown()).default({}),
});

/** The body of an ERROR frame. */
export type WireError = z.infer<typeof WireErrorSchema>;

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, code);
}

/** Turns anything a handler threw into an ERROR frame body. Only ApiErrors keep details. */
export function toWireError(err: unknown): WireError {
  if (err instanceof ApiError) {
    return { code: err.code, message: err.message, details: err.details };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: "INTERNAL_ERROR", message, details: {} };
}

/** Turns an ERROR frame body from `peer` into the error the requester throws. */
export function fromWireError(body: unknown, context: Record<string, unknown>): ApiError {
  const parsed = WireErrorSchema.safeParse(body);
  if (!parsed.success) {
    return new ApiError("INTERNAL_ERROR", "peer sent an unreadable error frame", {
      ...context,
      issues: parsed.error.issues,
    });
  }
  const { code, message, details } = parsed.data;
  const known = isErrorCode(code) ? code : "INTERNAL_ERROR";
  return new ApiError(known, message, {
    ...details,
    ...context,
    ...(known === code ? {} : { remote_code: code }),
    remote: true,
  });
}

/** The message of anything thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
