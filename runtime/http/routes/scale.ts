import { z } from "zod";
import { type AgentManager, ReplicasSchema } from "../../agents/mod.ts";
import { MAX_REPLICAS } from "../../directory/mod.ts";
import type { ReplicaHost } from "../../replicas/mod.ts";
import type { App } from "../env.ts";
import { readJson } from "../json-body.ts";
import { defineRoute } from "../route.ts";
import { errorResponses } from "../schemas.ts";

/** Body of `PUT /api/v1/agents/{id}/scale`. */
export const ScaleSchema = z.strictObject({
  replicas: ReplicasSchema.meta({
    description: `instances to run: 1 to ${MAX_REPLICAS}; more than 1 only for a stateless agent`,
  }),
}).meta({ id: "Scale" });

/** Response of `PUT /api/v1/agents/{id}/scale`. */
export const ScaleResponseSchema = z.object({
  name: z.string(),
  replicas: z.number().int(),
  instances: z.array(z.object({ index: z.number().int(), node: z.string() })),
}).meta({ id: "Scaled" });

/** Mounts `PUT /api/v1/agents/{id}/scale`: how many instances a stateless agent runs. */
export function scaleRoutes(app: App, deps: { agents: AgentManager; replicas: ReplicaHost }): void {
  defineRoute(
    app,
    {
      method: "put",
      path: "/api/v1/agents/{id}/scale",
      summary: "Run a stateless agent as N instances (replicas), placed over the cluster by load",
      description: "JSON {replicas: N}. The placement is in the replicated directory, so " +
        "every node spreads new conversations over the instances alike (rendezvous hashing " +
        "of the conversation id); a conversation stays on one instance. A stateful agent " +
        "(the default) is refused with 409 naming 'replicas'. Any node answers; the agent " +
        "is named by name (or, on its node, by agent id).",
      request: {
        params: z.object({ id: z.string().min(1).max(1024) }),
        body: { required: true, content: { "application/json": { schema: ScaleSchema } } },
      },
      responses: {
        200: {
          description: "The new placement",
          content: { "application/json": { schema: ScaleResponseSchema } },
        },
        ...errorResponses(400, 401, 403, 404, 409),
      },
    },
    async (c) => {
      const id = c.req.param("id")!;
      const body = await readJson(c, ScaleSchema);
      const name = deps.agents.has(id) ? id : localName(deps.agents, id);
      return c.json(await deps.replicas.scale(name, body.replicas));
    },
  );
}

/** The agent's name for an agent id or `name@platform` of an agent on this node, else `id`. */
function localName(agents: AgentManager, id: string): string {
  try {
    return agents.get(id).name;
  } catch {
    return id.includes("@") ? id.slice(0, id.indexOf("@")) : id;
  }
}
