import type { CallToolResult } from "./sdk.ts";
import { AclError } from "../../acl/mod.ts";
import { ApiError, errorBody } from "../../errors/mod.ts";
import { aclApiError } from "../../http/errors.ts";
import { newTraceId } from "../../http/trace.ts";

/** A tool's answer: the value as JSON text and as structured content. Pure. */
export function toolResult(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
}

/**
 * A tool's failure in the API's JSON error shape (`{"error": {"code", "message", "details",
 * "trace_id"}}`), so MCP clients see the same codes as HTTP clients. An error that is not an
 * {@link ApiError} is an `INTERNAL_ERROR` whose message shows nothing of the internals.
 */
export function toolError(e: unknown, traceId: string = newTraceId()): CallToolResult {
  const err = e instanceof ApiError
    ? e
    : e instanceof AclError
    ? aclApiError(e, "json")
    : new ApiError("INTERNAL_ERROR", "Internal server error");
  const body = errorBody(err, traceId);
  return {
    isError: true,
    content: [{ type: "text", text: `${err.code}: ${err.message}\n${JSON.stringify(body)}` }],
    structuredContent: body as unknown as Record<string, unknown>,
  };
}
