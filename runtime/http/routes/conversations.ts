import { z } from "zod";
import type { HistoryPeers } from "../../cluster/mod.ts";
import {
  analysisView,
  type ConversationService,
  type HistoryPageJson,
  historyPageJson,
  qualifyCursor,
  splitCursor,
} from "../../conversations/mod.ts";
import { ApiError } from "../../errors/mod.ts";
import { analyze, AnalyzeRequestSchema } from "../../../protocols/mod.ts";
import type { App } from "../env.ts";
import { readJson } from "../json-body.ts";
import { defineRoute } from "../route.ts";
import { errorResponses } from "../schemas.ts";

/** Query of `GET /api/v1/messages`. */
export const HistoryQuerySchema = z.object({
  conversation_id: z.string().min(1).max(1024).optional(),
  agent: z.string().min(1).max(1024).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().regex(
    /^c[0-9a-z]{1,11}(@[A-Za-z0-9][A-Za-z0-9._:-]{0,62})?$/,
    "a next_cursor of an earlier page",
  ).optional(),
  order: z.enum(["asc", "desc"]).default("asc"),
});

const IdParam = z.object({ id: z.string().min(1).max(1024) });
const AnyJson = z.record(z.string(), z.unknown());

/**
 * Mounts the conversation routes: the analyzer (needs no agents) and, with conversation
 * policing, the conversation views and the message history.
 */
export function conversationRoutes(
  app: App,
  deps: { conversations?: ConversationService; peers?: HistoryPeers } = {},
): void {
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
          content: { "application/json": { schema: AnyJson } },
        },
        ...errorResponses(400, 401, 415),
      },
    },
    async (c) => c.json(analysisView(analyze(await readJson(c, AnalyzeRequestSchema)))),
  );

  const conversations = deps.conversations;
  if (conversations === undefined) return;

  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/conversations/{id}",
      summary: "A conversation as the agents of this node see it",
      description:
        "Protocol, state, initiator and participants (from the initiator's view when it lives " +
        "here), every local agent's view, and the message trail merged from their trackers.",
      request: { params: IdParam },
      responses: {
        200: {
          description: "The conversation",
          content: { "application/json": { schema: AnyJson } },
        },
        ...errorResponses(401, 404),
      },
    },
    (c) => {
      return c.json(conversations.requireView(c.req.valid("param").id));
    },
  );

  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/messages",
      summary: "Message history (the messages this node routed, newest kept)",
      description: "A bounded history per node, kept in Deno KV across restarts, filtered by " +
        "conversation and/or agent (sender or receiver), paged with next_cursor.",
      request: { query: HistoryQuerySchema },
      responses: {
        200: {
          description: "A page of messages",
          content: { "application/json": { schema: AnyJson } },
        },
        ...errorResponses(400, 401),
      },
    },
    async (c) => {
      const q = c.req.valid("query");
      const peers = deps.peers;
      const split = q.cursor === undefined ? undefined : splitCursor(q.cursor);
      const asked = { ...q, cursor: split?.cursor };
      const remote = (r: { node: string; page: HistoryPageJson }) =>
        c.json({
          ...r.page,
          node: r.node,
          ...(r.page.next_cursor === undefined
            ? {}
            : { next_cursor: qualifyCursor(r.page.next_cursor, r.node) }),
        });
      if (split?.node !== undefined && split.node !== peers?.self) {
        if (peers === undefined) {
          throw new ApiError("INVALID_REQUEST", "This node has no cluster peers to page", {
            parameter: "cursor",
          });
        }
        const r = await peers.ask(asked, split.node);
        if (r !== undefined) return remote(r);
      }
      const page = historyPageJson(conversations.messages(asked));
      // A conversation this node routed nothing of: the node that holds it answers.
      if (
        page.total === 0 && q.conversation_id !== undefined && q.cursor === undefined &&
        peers !== undefined
      ) {
        const r = await peers.ask(asked);
        if (r !== undefined) return remote(r);
      }
      return c.json(page);
    },
  );
}
