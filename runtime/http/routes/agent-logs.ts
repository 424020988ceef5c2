/**
 * `GET /api/v1/agents/{id}/logs`: an agent's own log on the node that hosts it (its log lines
 * and the messages it received and sent), as a JSON page or, with `follow=true`, as NDJSON.
 * @module
 */
import { z } from "zod";
import type { AgentLogEntry, AgentManager } from "../../agents/mod.ts";
import type { App } from "../env.ts";
import { defineRoute } from "../route.ts";
import { errorResponses } from "../schemas.ts";

/** A follower more than this many entries behind is cut off (with a last error line). */
export const MAX_FOLLOW_BACKLOG = 1000;

const Params = z.object({ id: z.string().min(1).max(1024) });

/** Query of `GET /api/v1/agents/{id}/logs`. */
export const AgentLogQuery = z.object({
  /** The last `limit` entries (then, with `follow`, every new one). */
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  follow: z.enum(["true", "false"]).default("false"),
});

const EntrySchema = z.record(z.string(), z.unknown()).meta({
  id: "AgentLogEntry",
  description: "{seq, at, kind: log|received|sent, level+text | message_id, performative, " +
    "from, to, conversation_id, content (first 1024 chars)}",
});

/** Mounts `GET /api/v1/agents/{id}/logs`. */
export function agentLogRoutes(app: App, deps: { agents: AgentManager }): void {
  const { agents } = deps;
  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/agents/{id}/logs",
      summary: "An agent's own log: its log lines and the messages it received and sent",
      description: "The last `limit` entries, oldest first, as `{agent, entries}`. With " +
        "`follow=true`: `application/x-ndjson`, one entry per line, the last `limit` then each " +
        "new one as it happens, until the client leaves (a client more than " +
        `${MAX_FOLLOW_BACKLOG} entries behind gets a last \`{"error":...}\` line and is cut off). ` +
        "Kept in memory on the node hosting the agent, at most 1000 entries per agent.",
      request: { params: Params, query: AgentLogQuery },
      responses: {
        200: {
          description: "The entries",
          content: {
            "application/json": {
              schema: z.object({ agent: z.string(), entries: z.array(EntrySchema) }),
            },
            "application/x-ndjson": { schema: EntrySchema },
          },
        },
        ...errorResponses(400, 401, 403, 404),
      },
    },
    (c) => {
      const { id } = c.req.valid("param");
      const { limit, follow } = c.req.valid("query");
      const name = agents.get(id).name;
      const past = agents.logs.read(name, limit);
      if (follow === "false") return c.json({ agent: name, entries: past });
      const enc = new TextEncoder();
      let stop = () => {};
      const signal = c.req.raw.signal;
      const body = new ReadableStream<Uint8Array>({
        start(ctrl) {
          const end = () => {
            stop();
            signal.removeEventListener("abort", end);
            try {
              ctrl.close();
            } catch { /* already closed */ }
          };
          const put = (e: AgentLogEntry | { error: unknown }) => {
            if ((ctrl.desiredSize ?? 0) < -MAX_FOLLOW_BACKLOG) {
              ctrl.enqueue(enc.encode(
                JSON.stringify({
                  error: {
                    code: "RESOURCE_LIMIT_EXCEEDED",
                    message: `log follower more than ${MAX_FOLLOW_BACKLOG} entries behind`,
                  },
                }) + "\n",
              ));
              return end();
            }
            ctrl.enqueue(enc.encode(JSON.stringify(e) + "\n"));
          };
          for (const e of past) put(e);
          stop = agents.logs.follow(name, put);
          signal.addEventListener("abort", end);
        },
        cancel() {
          stop();
        },
      }, new CountQueuingStrategy({ highWaterMark: 16 }));
      return new Response(body, {
        headers: { "content-type": "application/x-ndjson", "cache-control": "no-store" },
      });
    },
  );
}
