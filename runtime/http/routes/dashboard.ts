import type { Context } from "hono";
import { DASHBOARD_ASSETS, DASHBOARD_CSP, type LoadedAsset } from "../../dashboard/mod.ts";
import { loadDashboardAssets } from "../../dashboard/mod.ts";
import type { App, AppEnv } from "../env.ts";
import { defineRoute } from "../route.ts";
import { serveStaticFile } from "../static-files.ts";

/** What the dashboard route needs: how to load the files (defaults to reading them). */
export interface DashboardDeps {
  load?: () => Promise<Map<string, LoadedAsset>>;
}

/**
 * Mounts the dashboard: `GET /dashboard` (the page) and its scripts and stylesheet under
 * `/dashboard/`. The files are read once, on first request, and served with an ETag, a
 * strict Content-Security-Policy and `nosniff`. They need no token (the page asks for one
 * when the API answers 401), so app.ts lists {@link DASHBOARD_PATHS} as public.
 */
export function dashboardRoutes(app: App, deps: DashboardDeps = {}): void {
  let assets: Promise<Map<string, LoadedAsset>> | undefined;
  const load = deps.load ?? (() => loadDashboardAssets());
  const serve = async (c: Context<AppEnv>) => {
    assets ??= load().catch((e) => {
      assets = undefined;
      throw e;
    });
    return serveStaticFile(c, (await assets).get(c.req.path)!, DASHBOARD_CSP);
  };
  defineRoute(app, {
    method: "get",
    path: "/dashboard",
    security: [],
    summary: "The web dashboard: members, agents, live messages, conversations, migrations",
    description: "Static HTML; its scripts and stylesheet are under /dashboard/. Needs no token " +
      "itself; the page asks for one when the API answers 401.",
    responses: { 200: { description: "The page", content: { "text/html": { schema: {} } } } },
  }, serve);
  for (const a of DASHBOARD_ASSETS) if (a.path !== "/dashboard") app.get(a.path, serve);
}

export { DASHBOARD_PATHS } from "../../dashboard/mod.ts";
