import { SwaggerUI } from "@hono/swagger-ui";
import { pageCsp } from "../http/static-files.ts";
import { DOCS_PATH } from "./assets.ts";

/** The API reference page and the Content-Security-Policy it is served with. */
export interface DocsPage {
  html: string;
  csp: string;
}

/**
 * Builds the page at `/docs`: Swagger UI (rendered by `@hono/swagger-ui`) reading
 * `openApiPath`, with its script and stylesheet from the node itself (`/docs/swagger-ui-dist/`)
 * and no online validator. The CSP allows only this origin, plus the page's one inline
 * script by its SHA-256 hash. Pure except the hash.
 */
export async function docsPage(openApiPath = "/openapi.json"): Promise<DocsPage> {
  const body = SwaggerUI({
    url: openApiPath,
    baseUrl: DOCS_PATH,
    validatorUrl: "none",
    persistAuthorization: true,
    deepLinking: true,
    docExpansion: "list",
  });
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>fipa-edge API reference</title>
    <link rel="icon" type="image/png" href="${DOCS_PATH}/swagger-ui-dist/favicon-32x32.png" />
  </head>
  <body>${body}</body>
</html>
`;
  const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  const hashes = await Promise.all(inline.map(async (code) => {
    const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(code));
    return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(d)))}'`;
  }));
  // Swagger UI sets styles on elements.
  return { html, csp: pageCsp({ scriptHashes: hashes, inlineStyles: true }) };
}
