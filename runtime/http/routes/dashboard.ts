import type { Context } from "hono";
import { DASHBOARD_ASSETS, DASHBOARD_CSP, type LoadedAsset } from "../../dashboard/mod.ts";
import { loadDashboardAssets } from "../../dashboard/mod.ts";
import type { App, AppEnv } from "../env.ts";
import { defineRoute } from "../route.ts";

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
    const a = (await assets).get(c.req.path)!;
    c.header("Cache-Control", "no-cache");
    c.header("ETag", a.etag);
    c.header("Content-Security-Policy", DASHBOARD_CSP);
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Frame-Options", "DENY");
    if (c.req.header("if-none-match") === a.etag) return c.body(null, 304);
    c.header("Content-Type", a.contentType);
    return c.body(a.body as Uint8Array<ArrayBuffer>);
  };
  defineRoute(app, {
    method: "get",
    path: "/dashboard",
    summary: "The web dashboard: members, agents, live messages, conversations, migrations",
    description: "Static HTML; its scripts and stylesheet are under /dashboard/. Needs no token " +
      "itself; the page asks for one when the API answers 401.",
    responses: { 200: { description: "The page", content: { "text/html": { schema: {} } } } },
  }, serve);
  for (const a of DASHBOARD_ASSETS) if (a.path !== "/dashboard") app.get(a.path, serve);
}

export { DASHBOARD_PATHS } from "../../dashboard/mod.ts";
