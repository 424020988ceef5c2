import { z } from "zod";
import type { App } from "../env.ts";
import { defineRoute } from "../route.ts";

/** What `GET /health` answers. */
export const HealthSchema = z.object({
  status: z.enum(["ok", "degraded"]),
  node: z.string(),
  version: z.string(),
  uptime_seconds: z.number(),
  checks: z.record(z.string(), z.enum(["ok", "failing"])),
});

/** A named readiness check; resolves true when healthy. */
export type HealthCheck = () => Promise<boolean> | boolean;

/** Mounts `GET /health`. It needs no token and answers 503 when a check fails. */
export function healthRoutes(
  app: App,
  deps: { node: string; version: string; startedAt: number; checks: Record<string, HealthCheck> },
): void {
  defineRoute(
    app,
    {
      method: "get",
      path: "/health",
      security: [],
      summary: "Liveness and readiness of this node",
      responses: {
        200: { description: "Healthy", content: { "application/json": { schema: HealthSchema } } },
        503: {
          description: "A check fails",
          content: { "application/json": { schema: HealthSchema } },
        },
      },
    },
    async (c) => {
      const checks: Record<string, "ok" | "failing"> = {};
      for (const [name, check] of Object.entries(deps.checks)) {
        let ok = false;
        try {
          ok = await check();
        } catch {
          ok = false;
        }
        checks[name] = ok ? "ok" : "failing";
      }
      const healthy = Object.values(checks).every((v) => v === "ok");
      return c.json({
        status: healthy ? "ok" as const : "degraded" as const,
        node: deps.node,
        version: deps.version,
        uptime_seconds: Math.round((Date.now() - deps.startedAt) / 1000),
        checks,
      }, healthy ? 200 : 503);
    },
  );
}
