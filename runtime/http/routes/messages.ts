import { z } from "zod";
import { AclJsonSchema, toAclJson, toAclString } from "../../acl/mod.ts";
import type { Outbox } from "../../delivery/mod.ts";
import type { MessageRouter, ReplyWaiters } from "../../routing/mod.ts";
import { ApiError } from "../../errors/mod.ts";
import { readAclBody, requireReceivers } from "../acl-body.ts";
import type { App } from "../env.ts";
import { defineRoute } from "../route.ts";
import { errorResponses } from "../schemas.ts";
import { sendAndWait, sendMessage } from "../send.ts";
import { authorize } from "../access.ts";
import type { SenderCheck } from "../sender-guard.ts";
import type { AclMessage } from "../../acl/mod.ts";
import type { Context } from "hono";
import type { AppEnv } from "../env.ts";

/** What `POST /api/v1/messages` answers (the seeds' "Send Message" response). */
export const SendResponseSchema = z.object({
  message_id: z.string(),
  status: z.enum(["delivered"]),
  delivered_at: z.string(),
  receivers: z.array(z.object({
    receiver: z.string(),
    status: z.enum(["delivered", "forwarded"]),
    via: z.string().optional(),
  })),
});

/** What `POST /api/v1/messages` answers with `?delivery=at-least-once` (202). */
export const QueuedResponseSchema = z.object({
  message_id: z.string(),
  status: z.enum(["queued"]),
  accepted_at: z.string(),
  delivery: z.enum(["at-least-once"]),
});

/** What `POST /api/v1/messages/send-and-wait` answers (JSON): the reply and its timing. */
export const SendAndWaitResponseSchema = z.object({
  message_id: z.string(),
  receivers: SendResponseSchema.shape.receivers,
  reply_message_id: z.string(),
  elapsed_ms: z.number(),
  reply: z.record(z.string(), z.unknown()).meta({
    description: "The reply in JSON form (see the message schema)",
  }),
});

/** What `POST /api/v1/messages/validate` answers for a valid message. */
export const ValidateResponseSchema = z.object({
  valid: z.literal(true),
  form: z.enum(["json", "fipa-string"]),
  message: z.record(z.string(), z.unknown()),
  fipa_string: z.string(),
});

const aclBody = {
  required: true,
  content: {
    "application/json": { schema: AclJsonSchema },
    "text/fipa-acl": { schema: z.string() },
  },
};

/** Query of `POST /api/v1/messages/send-and-wait`. */
export const WaitQuery = z.object({
  timeout_ms: z.coerce.number().int().min(1).max(300_000).optional(),
  wait_for: z.enum(["first", "final"]).default("first"),
});

/** Query of `POST /api/v1/messages`. */
export const SendQuery = z.object({
  delivery: z.enum(["at-most-once", "at-least-once"]).optional(),
});

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Mounts the message routes. */
export function messageRoutes(
  app: App,
  deps: {
    router: MessageRouter;
    waiters: ReplyWaiters;
    outbox?: Outbox;
    /** Refuses senders the caller may not use; omitted: any sender. */
    checkSender?: SenderCheck;
  },
): void {
  /** The caller's `send` scopes must cover every receiver, and its token the sender. */
  const mayWrite = (c: Context<AppEnv>, message: AclMessage) => {
    for (const r of message.receivers ?? []) authorize(c, "send", r.name);
    deps.checkSender?.(c, message);
  };
  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/messages",
      summary: "Send an ACL message (JSON form or FIPA string form)",
      description:
        "At most once by default: answered once the message is in the receivers' mailboxes " +
        "(or handed to another node or platform). With ?delivery=at-least-once (or header " +
        "X-Delivery: at-least-once) the message is stored first and answered 202 queued; it is " +
        "retried until each receiver's agent handled it, else dead-lettered. An " +
        "Idempotency-Key header becomes the message id, so client retries are deduplicated.",
      request: { body: aclBody, query: SendQuery },
      responses: {
        200: {
          description: "Delivered to every receiver's mailbox",
          content: { "application/json": { schema: SendResponseSchema } },
        },
        202: {
          description: "At least once: stored and queued for delivery",
          content: { "application/json": { schema: QueuedResponseSchema } },
        },
        ...errorResponses(400, 401, 403, 404, 413, 415, 429),
      },
    },
    async (c) => {
      const { message, form } = await readAclBody(c);
      requireReceivers(message, form);
      mayWrite(c, message);
      const key = c.req.header("idempotency-key");
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
        throw new ApiError(
          "INVALID_REQUEST",
          `Idempotency-Key '${key.slice(0, 64)}' is not 1-128 of [A-Za-z0-9_.:-]`,
          {
            header: "Idempotency-Key",
          },
        );
      }
      const mode = c.req.valid("query").delivery ?? c.req.header("x-delivery");
      if (mode !== undefined && mode !== "at-most-once" && mode !== "at-least-once") {
        throw new ApiError(
          "INVALID_REQUEST",
          `X-Delivery must be at-most-once or at-least-once, got '${mode.slice(0, 64)}'`,
          { header: "X-Delivery", value: mode.slice(0, 64) },
        );
      }
      const answer = await sendMessage(deps, message, {
        delivery: mode,
        messageId: key ? `msg_${key}` : undefined,
      });
      return answer.status === "queued" ? c.json(answer, 202) : c.json(answer);
    },
  );

  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/messages/validate",
      summary: "Parse and validate a message without delivering it",
      request: { body: aclBody },
      responses: {
        200: {
          description: "The parsed message in JSON form and in FIPA string form",
          content: { "application/json": { schema: ValidateResponseSchema } },
        },
        ...errorResponses(400, 413, 415),
      },
    },
    async (c) => {
      const { message, form } = await readAclBody(c);
      return c.json({
        valid: true as const,
        form,
        message: toAclJson(message),
        fipa_string: toAclString(message),
      });
    },
  );

  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/messages/send-and-wait",
      summary: "Send a message and wait for the reply",
      description:
        "The reply is the first message back to the sender with in_reply_to = the request's " +
        "reply_with, or the same conversation_id. The wait ends at reply_by or timeout_ms " +
        "(default 30 s), whichever is first (504 TIMEOUT); wait_for=final skips an agree. " +
        "409 CONFLICT: the sender is an agent (of this node or another platform), or the same " +
        "sender already waits with this reply_with or conversation_id. " +
        "Accept: text/fipa-acl answers the reply in FIPA string form.",
      request: { body: aclBody, query: WaitQuery },
      responses: {
        200: {
          description: "The reply",
          content: {
            "application/json": { schema: SendAndWaitResponseSchema },
            "text/fipa-acl": { schema: z.string() },
          },
        },
        ...errorResponses(400, 401, 403, 404, 409, 413, 415, 429, 504),
      },
    },
    async (c) => {
      const q = c.req.valid("query");
      const { message, form } = await readAclBody(c);
      requireReceivers(message, form);
      mayWrite(c, message);
      const r = await sendAndWait(deps.waiters, message, {
        timeoutMs: q.timeout_ms,
        waitFor: q.wait_for,
      });
      if ((c.req.header("accept") ?? "").includes("text/fipa-acl")) {
        c.header("Content-Type", "text/fipa-acl; charset=utf-8");
        return c.body(toAclString(r.replyMessage));
      }
      // Built field by field (not `{ replyMessage, ...answer }`: an object rest copies slowly).
      return c.json({
        message_id: r.message_id,
        receivers: r.receivers,
        reply_message_id: r.reply_message_id,
        elapsed_ms: r.elapsed_ms,
        reply: r.reply,
      });
    },
  );
}
