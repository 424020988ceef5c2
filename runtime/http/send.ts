import { type AclMessage, toAclJson } from "../acl/mod.ts";
import type { Outbox } from "../delivery/mod.ts";
import { ApiError } from "../errors/mod.ts";
import { millisToIso } from "../../protocols/mod.ts";
import {
  type MessageRouter,
  newMessageId,
  type ReplyWaiters,
  type RouteOutcome,
} from "../routing/mod.ts";

/** What sending needs: the router, and the outbox for at-least-once delivery. */
export interface SendDeps {
  router: MessageRouter;
  outbox?: Outbox;
}

/** The answer to a send: delivered (at most once) or queued (at least once). */
export type SendAnswer =
  | {
    message_id: string;
    status: "delivered";
    delivered_at: string;
    receivers: RouteOutcome[];
  }
  | { message_id: string; status: "queued"; accepted_at: string; delivery: "at-least-once" };

/**
 * Sends a parsed message the way `POST /api/v1/messages` does (the MCP bridge calls it too):
 * at most once through the router, or at least once through the outbox.
 *
 * @throws {ApiError} `UNAVAILABLE` for at-least-once on a node without an outbox; the
 *   router's errors (`AGENT_NOT_FOUND`, `PROTOCOL_VIOLATION`, ...).
 */
export async function sendMessage(
  deps: SendDeps,
  message: AclMessage,
  opts: { delivery?: "at-most-once" | "at-least-once"; messageId?: string } = {},
): Promise<SendAnswer> {
  const accepted_at = millisToIso(Date.now());
  const message_id = opts.messageId ?? newMessageId();
  if (opts.delivery === "at-least-once") {
    if (!deps.outbox) {
      throw new ApiError("UNAVAILABLE", "at-least-once delivery is not available on this node");
    }
    await deps.outbox.enqueue({ message_id, message, accepted_at, origin: "http" });
    return { message_id, status: "queued", accepted_at, delivery: "at-least-once" };
  }
  const receivers = await deps.router.route({ message_id, message, accepted_at, origin: "http" });
  return { message_id, status: "delivered", delivered_at: accepted_at, receivers };
}

/** The answer to a send-and-wait, as `POST /api/v1/messages/send-and-wait` shows it. */
export interface WaitAnswer {
  message_id: string;
  receivers: RouteOutcome[];
  reply_message_id: string;
  elapsed_ms: number;
  reply: ReturnType<typeof toAclJson>;
  /** The reply as parsed (for FIPA string form answers). */
  replyMessage: AclMessage;
}

/**
 * Sends a message and waits for its reply the way `POST /api/v1/messages/send-and-wait` does
 * (the MCP bridge calls it too): the wait ends at the message's `reply_by` or `timeoutMs`
 * (default 30 s), whichever is first; `waitFor: "final"` skips an `agree`.
 *
 * @throws {ApiError} `TIMEOUT`, `CONFLICT` and the router's errors, see
 *   {@link ReplyWaiters.sendAndWait}.
 */
export async function sendAndWait(
  waiters: ReplyWaiters,
  message: AclMessage,
  opts: { timeoutMs?: number; waitFor?: "first" | "final" } = {},
): Promise<WaitAnswer> {
  let timeoutMs = opts.timeoutMs ?? 30_000;
  if (message.reply_by) {
    const left = Date.parse(message.reply_by) - Date.now();
    if (Number.isFinite(left)) timeoutMs = Math.max(1, Math.min(timeoutMs, left));
  }
  const r = await waiters.sendAndWait(message, {
    timeoutMs,
    skipAgree: opts.waitFor === "final",
  });
  return {
    message_id: r.message_id,
    receivers: r.receivers,
    reply_message_id: r.reply.message_id,
    elapsed_ms: r.elapsed_ms,
    reply: toAclJson(r.reply.message),
    replyMessage: r.reply.message,
  };
}
