import { pageCsp, staticFile } from "../http/static-files.ts";

/** One static file of the dashboard. */
export interface DashboardAsset {
  /** The URL path it is served at. */
  path: string;
  /** File name inside `runtime/dashboard/assets/`. */
  file: string;
  contentType: string;
}

/** Every file the dashboard serves: plain HTML, CSS and ES modules, no build step. */
export const DASHBOARD_ASSETS: readonly DashboardAsset[] = [
  { path: "/dashboard", file: "index.html", contentType: "text/html; charset=utf-8" },
  { path: "/dashboard/", file: "index.html", contentType: "text/html; charset=utf-8" },
  { path: "/dashboard/app.js", file: "app.js", contentType: "text/javascript; charset=utf-8" },
  { path: "/dashboard/model.js", file: "model.js", contentType: "text/javascript; charset=utf-8" },
  { path: "/dashboard/style.css", file: "style.css", contentType: "text/css; charset=utf-8" },
];

/** URL paths of the dashboard's files: public, since the page itself asks for a token. */
export const DASHBOARD_PATHS: readonly string[] = DASHBOARD_ASSETS.map((a) => a.path);

/**
 * The page's Content-Security-Policy: its own scripts, styles and API only (no inline
 * code, no other origin), and it may not be framed.
 */
export const DASHBOARD_CSP: string = pageCsp();

/** A loaded asset: its bytes and a strong ETag (hash of the bytes). */
export interface LoadedAsset extends DashboardAsset {
  body: Uint8Array;
  etag: string;
}

const ASSET_DIR = new URL("./assets/", import.meta.url);

/**
 * Reads the dashboard's files from `runtime/dashboard/assets/`.
 *
 * @param read reads one file (injected for tests; defaults to `Deno.readFile`)
 * @example
 * ```ts
 * const assets = await loadDashboardAssets();
 * assets.get("/dashboard")?.contentType; // "text/html; charset=utf-8"
 * ```
 */
export async function loadDashboardAssets(
  read: (url: URL) => Promise<Uint8Array> = (u) => Deno.readFile(u),
): Promise<Map<string, LoadedAsset>> {
  const out = new Map<string, LoadedAsset>();
  const cache = new Map<string, Promise<{ body: Uint8Array; etag: string }>>();
  for (const a of DASHBOARD_ASSETS) {
    let loaded = cache.get(a.file);
    if (!loaded) {
      loaded = read(new URL(a.file, ASSET_DIR)).then((body) => staticFile(body, a.contentType));
      cache.set(a.file, loaded);
    }
    out.set(a.path, { ...a, ...(await loaded) });
  }
  return out;
}
