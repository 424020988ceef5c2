import { z } from "zod";
import { AclJsonSchema, toAclJson, toAclString } from "../../acl/mod.ts";
import { type MessageRouter, newMessageId } from "../../routing/mod.ts";
import { readAclBody, requireReceivers } from "../acl-body.ts";
import type { App } from "../env.ts";
import { defineRoute } from "../route.ts";
import { errorResponses } from "../schemas.ts";

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

/** Mounts the message routes. */
export function messageRoutes(app: App, deps: { router: MessageRouter }): void {
  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/messages",
      summary: "Send an ACL message (JSON form or FIPA string form)",
      request: { body: aclBody },
      responses: {
        200: {
          description: "Delivered to every receiver's mailbox",
          content: { "application/json": { schema: SendResponseSchema } },
        },
        ...errorResponses(400, 404, 413, 415, 429),
      },
    },
    async (c) => {
      const { message, form } = await readAclBody(c);
      requireReceivers(message, form);
      const accepted_at = new Date().toISOString();
      const message_id = newMessageId();
      const receivers = await deps.router.route({ message_id, message, accepted_at });
      return c.json({
        message_id,
        status: "delivered" as const,
        delivered_at: new Date().toISOString(),
        receivers,
      });
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
}
