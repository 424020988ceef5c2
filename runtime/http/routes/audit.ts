import { z } from "zod";
import type { AuditLog } from "../../audit/mod.ts";
import type { App } from "../env.ts";
import { defineRoute } from "../route.ts";
import { errorResponses } from "../schemas.ts";

const Instant = z.iso.datetime({ offset: true });

/** Query of `GET /api/v1/audit`. */
export const AuditQuerySchema = z.object({
  actor: z.string().min(1).max(256).optional(),
  action: z.string().min(1).max(128).optional().meta({
    description: "an action (agent.deploy) or its prefix (agent)",
  }),
  target: z.string().min(1).max(1024).optional(),
  outcome: z.enum(["ok", "refused", "failed", "unknown"]).optional(),
  since: Instant.optional(),
  until: Instant.optional(),
  cursor: z.string().regex(/^\d{1,15}$/, "a next_cursor of a previous page").optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const Any = (description: string) => ({
  description,
  content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
});

/** Mounts `GET /api/v1/audit` (filters, cursor paging) and `GET /api/v1/audit/verify`. */
export function auditRoutes(app: App, deps: { audit: AuditLog }): void {
  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/audit",
      summary:
        "The audit trail, oldest first: who did what to which target, when, with what outcome",
      request: { query: AuditQuerySchema },
      responses: { 200: Any("records and next_cursor"), ...errorResponses(400, 401, 403) },
    },
    async (c) => {
      const q = c.req.valid("query");
      const since = q.since && new Date(q.since).toISOString();
      const until = q.until && new Date(q.until).toISOString();
      return c.json(await deps.audit.list({ ...q, since, until }));
    },
  );
  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/audit/verify",
      summary: "Verifies the audit chain from its oldest kept record; names the first broken link",
      responses: { 200: Any("{ok, checked, seq?, reason?, anchor}"), ...errorResponses(401, 403) },
    },
    async (c) => c.json(await deps.audit.verify()),
  );
}
