import { z } from "zod";
import type { AgentManager } from "../../agents/mod.ts";
import { type DeploymentService, StrategySchema } from "../../deployments/mod.ts";
import { checkAgentBounds } from "../../sandbox/mod.ts";
import type { TrustedPublishers } from "../../security/mod.ts";
import { principalOf } from "../access.ts";
import type { App } from "../env.ts";
import { parseField } from "../json-body.ts";
import { defineRoute } from "../route.ts";
import { errorResponses } from "../schemas.ts";
import { checkSignature, readDeployForm } from "./agents.ts";
import { UpdateConfigSchema } from "../../agents/mod.ts";

/**
 * The `config` of a hot reload (the seed's "Hot Reload Agent"): `strategy` `graceful`,
 * `traffic_split` (percent of new conversations the new version takes at first; 100 by
 * default), `split_duration` (how long before it takes them all, when below 100),
 * `drain_seconds` (how long the old version keeps its open conversations), and the update's
 * config fields (`version`, `limits`, …).
 */
export const ReloadConfigSchema = UpdateConfigSchema.extend({
  strategy: z.literal("graceful", {
    error: "a hot reload's strategy is 'graceful' (other strategies: POST /api/v1/deployments)",
  }).default("graceful"),
  traffic_split: z.number().min(1, "traffic_split must be 1 to 100").max(
    100,
    "traffic_split must be 1 to 100",
  ).default(100),
  split_duration: z.union([z.string(), z.number()]).default("30s"),
  drain_seconds: z.number().min(0).max(3600).default(5),
});

const ReloadResponseSchema = z.object({
  hot_reload_id: z.string(),
  deployment_id: z.string(),
  status: z.string(),
  from_version: z.string().optional(),
  to_version: z.string().optional(),
  strategy: z.literal("graceful"),
  traffic_split: z.number(),
  started_at: z.string(),
}).meta({ id: "HotReload" });

/** Mounts `PUT /api/v1/agents/{id}/reload`: a hot reload as a deployment. */
export function reloadRoutes(
  app: App,
  deps: { deployments: DeploymentService; agents: AgentManager; publishers?: TrustedPublishers },
): void {
  defineRoute(
    app,
    {
      method: "put",
      path: "/api/v1/agents/{id}/reload",
      summary: "Hot reload: the new version takes new conversations, the old one finishes its own",
      description: "multipart/form-data: 'wasm' (the new component) and 'config' (JSON: " +
        "strategy 'graceful', traffic_split, split_duration, drain_seconds, and update " +
        "fields such as version). Carried out as a deployment (GET " +
        "/api/v1/deployments/{hot_reload_id}): with traffic_split 100 the new version " +
        "takes every new conversation once it runs and the old one stops after " +
        "drain_seconds; below 100 it takes that share for split_duration first. The " +
        "agent's storage carries over; messages are neither lost nor delivered twice.",
      request: {
        params: z.object({ id: z.string().min(1).max(1024) }),
        body: {
          required: true,
          content: {
            "multipart/form-data": {
              schema: z.object({
                wasm: z.string().meta({ format: "binary" }),
                config: z.string().optional().meta({ description: "JSON reload config" }),
              }),
            },
          },
        },
      },
      responses: {
        202: {
          description: "Under way",
          content: { "application/json": { schema: ReloadResponseSchema } },
        },
        ...errorResponses(400, 401, 403, 404, 409, 413, 415),
      },
    },
    async (c) => {
      const id = c.req.param("id")!;
      const form = await readDeployForm(c, true);
      const cfg = parseField(ReloadConfigSchema, form.config ?? {}, "config");
      const { strategy: _s, traffic_split, split_duration, drain_seconds, ...update } = cfg;
      checkAgentBounds(update, deps.agents.deps.sandbox.bounds);
      const publisherKeyId = await checkSignature(deps.publishers, form);
      const strategy = parseField(
        StrategySchema,
        traffic_split >= 100 ? { type: "blue_green", rollback_window: drain_seconds } : {
          type: "canary",
          stages: [
            { percentage: traffic_split, duration: split_duration },
            { percentage: 100, duration: drain_seconds },
          ],
        },
        "config",
      );
      const d = await deps.deployments.create({
        agent: id,
        bytes: form.bytes,
        version: update.version,
        config: update,
        publisherKeyId,
        strategy,
        by: principalOf(c)?.subject,
      });
      return c.json({
        hot_reload_id: d.deployment_id,
        deployment_id: d.deployment_id,
        status: d.status,
        ...(d.from_version ? { from_version: d.from_version.version } : {}),
        ...(d.to_version ? { to_version: d.to_version.version } : {}),
        strategy: "graceful" as const,
        traffic_split,
        started_at: d.started_at,
      }, 202);
    },
  );
}
