import { ApiError } from "../errors/mod.ts";

/**
 * The one answer to a message for a full mailbox (the `mailbox` limit of the manifest):
 * `429 RESOURCE_LIMIT_EXCEEDED` with `Retry-After`, naming the agent and its limit.
 */
export function mailboxFull(agent: string, limit: number): ApiError {
  return new ApiError(
    "RESOURCE_LIMIT_EXCEEDED",
    `Mailbox of '${agent}' is full (${limit} messages)`,
    { agent, limit },
    { headers: { "Retry-After": "1" } },
  );
}
