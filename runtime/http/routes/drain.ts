import { z } from "zod";
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
