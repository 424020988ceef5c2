import { z } from "zod";
import { type AgentManager, UpdateConfigSchema } from "../../agents/mod.ts";
import {
  type DeploymentService,
  type DeploymentView,
  StrategyDocSchema,
  StrategySchema,
} from "../../deployments/mod.ts";
import { DeploymentIdSchema } from "../../directory/mod.ts";
import { checkAgentBounds } from "../../sandbox/mod.ts";
import type { TrustedPublishers } from "../../security/mod.ts";
import { authorize, principalOf } from "../access.ts";
import type { App } from "../env.ts";
import { parseField, readJson } from "../json-body.ts";
import { defineRoute } from "../route.ts";
import { errorResponses } from "../schemas.ts";
import { checkSignature } from "./agents.ts";

/** Body of `POST /api/v1/deployments` (the seed's "Create Deployment"). */
export const CreateDeploymentSchema = z.strictObject({
  /** The agent, by name or agent id. */
  agent_id: z.string().min(1).max(1024),
  /** The new component, base64; without it `version` names a stored version. */
  wasm_module: z.base64().optional(),
  /** The new version's label (with `wasm_module`), or a stored version (label or number). */
  version: z.string().min(1).max(64).optional(),
  /** Config changes of the new version (as `PUT /api/v1/agents/{id}` takes them). */
  config: UpdateConfigSchema.optional(),
  signature: z.string().max(4096).optional(),
  key_id: z.string().max(4096).optional(),
  strategy: StrategySchema,
});

/** {@link CreateDeploymentSchema} for the API reference (no transforms). */
const CreateDeploymentDoc = CreateDeploymentSchema.extend({
  config: z.record(z.string(), z.unknown()).optional().meta({
    description: "config changes, as PUT /api/v1/agents/{id} takes them",
  }),
  strategy: StrategyDocSchema,
}).meta({ id: "CreateDeployment" });

const DeploymentViewSchema = z.object({
  deployment_id: z.string(),
  agent_id: z.string(),
  node: z.string(),
  status: z.enum(["in_progress", "completed", "rolled_back", "failed"]),
  strategy: z.record(z.string(), z.unknown()),
  stage: z.number(),
  traffic: z.record(z.string(), z.number()).meta({
    description: "share of new conversations per version label, percent",
  }),
  from_version: z.object({ seq: z.number(), version: z.string() }).optional(),
  to_version: z.object({ seq: z.number(), version: z.string() }).optional(),
  reason: z.string().optional(),
  deployed_by: z.string().optional(),
  started_at: z.string(),
  updated_at: z.string(),
  finished_at: z.string().optional(),
  metrics: z.record(
    z.string(),
    z.object({
      handled: z.number(),
      errors: z.number(),
      success_rate: z.number(),
      p99_ms: z.number(),
    }),
  ).optional().meta({
    description: "per version label: messages handled, errors (traps, restarts, not " +
      "understood, failure/not-understood replies, send-and-wait timeouts), success rate " +
      "and latency p99, while the node that runs it has them",
  }),
}).meta({ id: "Deployment" });

const IdParam = z.object({ id: DeploymentIdSchema });
const ListQuery = z.object({ agent_id: z.string().min(1).max(1024).optional() });

/**
 * Mounts the Deployment API: `POST /api/v1/deployments`, `GET /api/v1/deployments[/{id}]`
 * and `POST /api/v1/deployments/{id}/rollback`.
 */
export function deploymentRoutes(
  app: App,
  deps: { deployments: DeploymentService; agents: AgentManager; publishers?: TrustedPublishers },
): void {
  const { deployments, agents } = deps;
  const one = (description: string) => ({
    description,
    content: { "application/json": { schema: DeploymentViewSchema } },
  });
  const nameOf = (ref: string) => {
    try {
      return agents.get(ref).name;
    } catch {
      return ref.split("@")[0];
    }
  };

  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/deployments",
      summary: "Deploy a new or stored version of an agent with a strategy",
      description: "`strategy`: `immediate` (replace now), `rolling` (one instance: at " +
        "once), `blue_green` (the new version beside the old, all traffic once it runs, " +
        "the old kept for `rollback_window`) or `canary` (stages of `percentage` and " +
        "`duration`, the last at 100; new conversations by weight; `rollback_on_error` " +
        "above `error_threshold`). Every deployment is kept in the replicated directory.",
      request: {
        body: {
          required: true,
          content: { "application/json": { schema: CreateDeploymentDoc } },
        },
      },
      responses: {
        201: one("Carried out"),
        ...errorResponses(400, 401, 403, 404, 409, 413, 415),
      },
    },
    async (c) => {
      const raw = await readJson(c, z.record(z.string(), z.unknown()));
      authorize(
        c,
        "deploy",
        typeof raw.agent_id === "string" ? nameOf(raw.agent_id) : undefined,
      );
      const body = parseField(CreateDeploymentSchema, raw);
      if (body.config) checkAgentBounds(body.config, agents.deps.sandbox.bounds);
      const bytes = body.wasm_module
        ? Uint8Array.from(atob(body.wasm_module), (ch) => ch.charCodeAt(0))
        : undefined;
      const publisherKeyId = await checkSignature(deps.publishers, {
        bytes,
        signature: body.signature,
        keyId: body.key_id,
      });
      const view: DeploymentView = await deployments.create({
        agent: body.agent_id,
        bytes,
        version: body.version,
        config: body.config,
        publisherKeyId,
        strategy: body.strategy,
        by: principalOf(c)?.subject,
      });
      return c.json(view, 201);
    },
  );

  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/deployments",
      summary: "Deployments in the cluster, newest first",
      request: { query: ListQuery },
      responses: {
        200: {
          description: "The deployments",
          content: {
            "application/json": {
              schema: z.object({ deployments: z.array(DeploymentViewSchema) }),
            },
          },
        },
        ...errorResponses(400, 401),
      },
    },
    (c) => {
      const { agent_id } = c.req.valid("query");
      return c.json({
        deployments: deployments.list(agent_id ? { agent: nameOf(agent_id) } : {}),
      });
    },
  );

  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/deployments/{id}",
      summary: "One deployment: status, stage, traffic per version, versions, reason",
      request: { params: IdParam },
      responses: { 200: one("The deployment"), ...errorResponses(400, 401, 404) },
    },
    (c) => c.json(deployments.get(c.req.valid("param").id)),
  );

  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/deployments/{id}/rollback",
      summary: "Roll a deployment back: the agent returns to the version before it",
      request: { params: IdParam },
      responses: {
        200: one("Rolled back"),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    },
    async (c) => {
      const id = c.req.valid("param").id;
      authorize(c, "deploy", deployments.agentOf(id));
      return c.json(await deployments.rollback(id, principalOf(c)?.subject));
    },
  );
}
