import { z } from "zod";
import type { Cluster } from "../../cluster/mod.ts";
import { LIFECYCLE_STATES, listAgents } from "../../directory/mod.ts";
import type { App } from "../env.ts";
import { defineRoute } from "../route.ts";
import { errorResponses } from "../schemas.ts";

/** Query of `GET /api/v1/directory/agents`. */
export const DirectoryAgentsQuery = z.object({
  node: z.string().min(1).max(256).optional(),
  state: z.enum(LIFECYCLE_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  offset: z.coerce.number().int().min(0).default(0),
  /** Read through the leader first, so the answer includes every committed change. */
  consistent: z.enum(["true", "false"]).default("false"),
});

/**
 * Mounts `GET /api/v1/directory/agents`: every agent of the cluster as the replicated
 * directory knows it (name, owning node, lifecycle state), read from this node's copy.
 * Read-only; the dashboard and `deno task cli agents --all` use it.
 */
export function directoryRoutes(app: App, deps: { cluster: Cluster }): void {
  const { cluster } = deps;
  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/directory/agents",
      summary: "Agents of the whole cluster from the replicated directory: name → node, state",
      request: { query: DirectoryAgentsQuery },
      responses: {
        200: {
          description: "A page of directory records, in name order",
          content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
        },
        ...errorResponses(400, 401),
      },
    },
    async (c) => {
      const p = c.req.valid("query");
      if (p.consistent === "true") await cluster.linearizableRead();
      const page = listAgents(cluster.machine.state, {
        node: p.node,
        state: p.state,
        limit: p.limit,
        offset: p.offset,
      });
      return c.json({ ...page, node: cluster.id, leader: cluster.status().leader });
    },
  );
}
