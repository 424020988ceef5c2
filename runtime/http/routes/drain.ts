import { z } from "zod";
import type { Cluster } from "../../cluster/mod.ts";
import type { MigrationService } from "../../migration/mod.ts";
import type { App } from "../env.ts";
import { readJson } from "../json-body.ts";
import { defineRoute } from "../route.ts";
import { errorResponses } from "../schemas.ts";

const DrainSchema = z.strictObject({
  /** Members to move agents to (default: every other member). */
  targets: z.array(z.string().min(1).max(256)).max(1024).optional(),
});

/** Mounts `POST /api/v1/cluster/drain`: move every agent of this node to other members. */
export function drainRoutes(app: App, deps: { migration: MigrationService }): void {
  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/cluster/drain",
      summary: "Drain this node: migrate every running or hibernated agent to other members",
      description: "Agents go one at a time, each to the member with the fewest agents " +
        "placed by this drain and the lowest load. The answer lists what moved and what " +
        "could not (those agents stay here, running).",
      request: {
        body: { required: false, content: { "application/json": { schema: DrainSchema } } },
      },
      responses: {
        200: {
          description: "What moved where, and what failed",
          content: {
            "application/json": {
              schema: z.record(z.string(), z.unknown()).meta({ id: "DrainReport" }),
            },
          },
        },
        ...errorResponses(400, 401, 403, 404, 409),
      },
    },
    async (c) => {
      const hasBody = (c.req.header("content-length") ?? "0") !== "0" ||
        c.req.header("transfer-encoding") !== undefined;
      const body = hasBody ? await readJson(c, DrainSchema) : {};
      return c.json(await deps.migration.drain(body.targets));
    },
  );
}

/**
 * Mounts `POST /api/v1/cluster/leave`: hand over leadership if this node leads, drain its
 * agents, and leave the Raft configuration (see {@link Cluster.leave}).
 */
export function leaveRoutes(
  app: App,
  deps: { migration: MigrationService; cluster: Cluster },
): void {
  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/cluster/leave",
      summary: "Leave the cluster: hand over leadership, drain agents, leave the configuration",
      description: "A leader first hands leadership to the most caught-up voter; then every " +
        "agent moves to other members (as `POST /api/v1/cluster/drain`); then the leader " +
        "removes this node. A learner is promoted if the voters fall below their target. " +
        "Stop the node afterwards; started again on the same data it rejoins as a learner.",
      responses: {
        200: {
          description: "Left: the drain report and the configuration without this node",
          content: {
            "application/json": {
              schema: z.record(z.string(), z.unknown()).meta({ id: "LeaveReport" }),
            },
          },
        },
        ...errorResponses(401, 403, 409, 503, 504),
      },
    },
    async (c) => {
      const drain = () =>
        deps.migration.drain().catch((e) => ({ error: (e as Error).message, migrated: [] }));
      return c.json(await deps.cluster.leave(drain));
    },
  );
}
