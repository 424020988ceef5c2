import { z } from "zod";
import type { Outbox } from "../../delivery/mod.ts";
import { ApiError } from "../../errors/mod.ts";
import type { App } from "../env.ts";
import { defineRoute } from "../route.ts";
import { errorResponses } from "../schemas.ts";

const Any = {
  description: "OK",
  content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
};
const IdParam = z.object({ id: z.string().min(1).max(256) });

/** Mounts the dead-letter queue: list, retry one, purge one or all. */
export function deadLetterRoutes(app: App, deps: { outbox: Outbox }): void {
  const { outbox } = deps;
  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/dead-letters",
      summary: "At-least-once messages that ran out of retries (and those still retrying)",
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() }) },
      responses: { 200: Any, ...errorResponses(401) },
    },
    async (c) => {
      const limit = c.req.valid("query").limit ?? 100;
      const dead = await outbox.deadLetters(
        Number.isFinite(limit) ? Math.min(1000, Math.max(1, limit)) : 100,
      );
      const pending = await outbox.pending();
      return c.json({ dead_letters: dead, total: dead.length, pending: pending.length });
    },
  );
  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/dead-letters/{id}/retry",
      summary: "Retry a dead letter (a fresh round of attempts)",
      request: { params: IdParam },
      responses: { 202: Any, ...errorResponses(401, 403, 404) },
    },
    async (c) => {
      const id = c.req.valid("param").id;
      if (!(await outbox.retry(id))) {
        throw new ApiError("NOT_FOUND", `No dead letter '${id}'`, { message_id: id });
      }
      return c.json({ message_id: id, status: "queued" }, 202);
    },
  );
  defineRoute(
    app,
    {
      method: "delete",
      path: "/api/v1/dead-letters/{id}",
      summary: "Purge one dead letter",
      request: { params: IdParam },
      responses: { 200: Any, ...errorResponses(401, 403, 404) },
    },
    async (c) => {
      const id = c.req.valid("param").id;
      if ((await outbox.purge(id)) === 0) {
        throw new ApiError("NOT_FOUND", `No dead letter '${id}'`, { message_id: id });
      }
      return c.json({ purged: 1 });
    },
  );
  defineRoute(
    app,
    {
      method: "delete",
      path: "/api/v1/dead-letters",
      summary: "Purge the whole dead-letter queue",
      responses: { 200: Any, ...errorResponses(401, 403) },
    },
    async (c) => c.json({ purged: await outbox.purge() }),
  );
}
