import { z } from "zod";
import { analyze, AnalyzeRequestSchema } from "../../../protocols/mod.ts";
import type { App } from "../env.ts";
import { readJson } from "../json-body.ts";
import { defineRoute } from "../route.ts";
import { errorResponses } from "../schemas.ts";

/** Mounts the conversation routes that need no running agents (the analyzer). */
export function conversationRoutes(app: App): void {
  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/conversations/analyze",
      summary: "Check a message sequence against a FIPA interaction protocol",
      description:
        "Answers whether the messages are a legal run of the protocol so far; if not, the " +
        "index of the first offending message and why. Delivers nothing.",
      request: {
        body: { required: true, content: { "application/json": { schema: AnalyzeRequestSchema } } },
      },
      responses: {
        200: {
          description: "The verdict",
          content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
        },
        ...errorResponses(400, 401, 415),
      },
    },
    async (c) => c.json(analyze(await readJson(c, AnalyzeRequestSchema))),
  );
}
