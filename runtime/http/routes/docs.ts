import type { Context } from "hono";
import { DOCS_ASSETS, DOCS_PATH, docsPage, loadDocsAssets } from "../../docs/mod.ts";
import type { App, AppEnv } from "../env.ts";
import { defineRoute } from "../route.ts";
import { serveStaticFile, type StaticFile, staticFile } from "../static-files.ts";

/** URL paths of the API reference: public like the dashboard (the document itself is too). */
export const DOCS_PATHS: readonly string[] = [DOCS_PATH, ...DOCS_ASSETS.map((a) => a.path)];

/** What the docs route needs: how to load the Swagger UI files (defaults to the npm package). */
export interface DocsDeps {
  load?: () => Promise<Map<string, StaticFile>>;
}

/**
 * Mounts the API reference: `GET /docs` (Swagger UI over `/openapi.json`) and its script and
 * stylesheet under `/docs/swagger-ui-dist/`, read once on first request and served with an
 * ETag and a Content-Security-Policy that allows this origin only.
 */
export function docsRoutes(app: App, deps: DocsDeps = {}): void {
  let files:
    | Promise<{ page: StaticFile; csp: string; assets: Map<string, StaticFile> }>
    | undefined;
  const load = async () => {
    const page = await docsPage();
    return {
      page: await staticFile(new TextEncoder().encode(page.html), "text/html; charset=utf-8"),
      csp: page.csp,
      assets: await (deps.load ?? loadDocsAssets)(),
    };
  };
  const get = () =>
    files ??= load().catch((e) => {
      files = undefined;
      throw e;
    });
  defineRoute(app, {
    method: "get",
    path: DOCS_PATH,
    summary: "This API's reference: Swagger UI over /openapi.json, served by the node",
    security: [],
    responses: { 200: { description: "The page", content: { "text/html": { schema: {} } } } },
  }, async (c) => {
    const f = await get();
    return serveStaticFile(c, f.page, f.csp);
  });
  for (const a of DOCS_ASSETS) {
    app.get(a.path, async (c: Context<AppEnv>) => {
      const f = await get();
      return serveStaticFile(c, f.assets.get(a.path)!, f.csp);
    });
  }
}
