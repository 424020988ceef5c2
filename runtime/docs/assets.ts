import swaggerUiPackage from "swagger-ui-dist/package.json" with { type: "json" };
import { type StaticFile, staticFile } from "../http/static-files.ts";

/** The version of Swagger UI (npm `swagger-ui-dist`) the node serves at `/docs`. */
export const SWAGGER_UI_VERSION: string = swaggerUiPackage.version;

/** Where the API reference lives; its assets are under `/docs/swagger-ui-dist/`. */
export const DOCS_PATH = "/docs";

/** The files of `swagger-ui-dist` the page loads, by the URL path they are served at. */
export const DOCS_ASSETS: readonly { path: string; file: string; contentType: string }[] = [
  {
    path: `${DOCS_PATH}/swagger-ui-dist/swagger-ui.css`,
    file: "swagger-ui.css",
    contentType: "text/css; charset=utf-8",
  },
  {
    path: `${DOCS_PATH}/swagger-ui-dist/swagger-ui-bundle.js`,
    file: "swagger-ui-bundle.js",
    contentType: "text/javascript; charset=utf-8",
  },
  {
    path: `${DOCS_PATH}/swagger-ui-dist/favicon-32x32.png`,
    file: "favicon-32x32.png",
    contentType: "image/png",
  },
];

/**
 * Where a file of the `swagger-ui-dist` npm package is on disk (Deno's npm cache or
 * `node_modules`): the same package version `deno.lock` pins, resolved at run time, so no
 * copy is committed and nothing is fetched from the internet when the page is served.
 */
export function swaggerUiFile(file: string): URL {
  return new URL(import.meta.resolve(`swagger-ui-dist/${file}`));
}

/**
 * Reads {@link DOCS_ASSETS} from the installed `swagger-ui-dist` package.
 *
 * @param read reads one file (injected for tests; defaults to `Deno.readFile`)
 */
export async function loadDocsAssets(
  read: (url: URL) => Promise<Uint8Array> = (u) => Deno.readFile(u),
): Promise<Map<string, StaticFile>> {
  const out = new Map<string, StaticFile>();
  for (const a of DOCS_ASSETS) {
    out.set(a.path, await staticFile(await read(swaggerUiFile(a.file)), a.contentType));
  }
  return out;
}
