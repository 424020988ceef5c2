// /docs over the app: Swagger UI's page, script and stylesheet served by the node itself
// (from the swagger-ui-dist npm package), public, with ETag and a CSP that allows this
// origin only; /openapi.json public too, and valid for the renderer.
import assert from "node:assert/strict";
import { DOCS_ASSETS, SWAGGER_UI_VERSION, swaggerUiFile } from "../../../runtime/docs/mod.ts";
import { testApp } from "../../support/app.ts";
import { rolesFor } from "../../../runtime/security/mod.ts";

const TOKEN = "docs-test-token-0123456789";

const app = () => testApp({ adminTokens: [TOKEN] });

Deno.test("/docs and its assets are public, typed, cached by ETag, and the npm package's own bytes", async () => {
  const a = app();
  const page = await a.request("/docs");
  assert.equal(page.status, 200);
  assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
  const csp = page.headers.get("content-security-policy") ?? "";
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]{44}'(;|$)/);
  assert.match(csp, /connect-src 'self'/);
  const html = await page.text();
  assert.match(html, /SwaggerUIBundle\(\{/);
  assert.match(html, /url: '\/openapi\.json'/);
  const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(refs.sort(), DOCS_ASSETS.map((d) => d.path).sort());

  for (const asset of DOCS_ASSETS) {
    const res = await a.request(asset.path);
    assert.equal(res.status, 200, asset.path);
    assert.equal(res.headers.get("content-type"), asset.contentType);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    const body = new Uint8Array(await res.arrayBuffer());
    assert.deepEqual(body, await Deno.readFile(swaggerUiFile(asset.file)));
    const etag = res.headers.get("etag")!;
    const again = await a.request(asset.path, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
  }
  assert.match(SWAGGER_UI_VERSION, /^5\.\d+\.\d+$/);
  const other = await a.request("/docs/swagger-ui-dist/index.html");
  assert.equal(other.status, 401, "only the listed files are public");
  await other.body?.cancel();
});

Deno.test("/openapi.json is public, declares the token schemes, and public routes need none", async () => {
  const res = await app().request("/openapi.json");
  assert.equal(res.status, 200);
  const doc = await res.json();
  assert.equal(doc.openapi, "3.1.0");
  assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), [
    "bearerAuth",
    "caxtonToken",
  ]);
  assert.deepEqual(doc.security, [{ bearerAuth: [] }, { caxtonToken: [] }]);
  for (const p of ["/health", "/dashboard", "/docs"]) {
    assert.deepEqual(doc.paths[p].get.security, [], p);
  }
  const senders = rolesFor("send");
  assert.deepEqual(
    doc.paths["/api/v1/messages"].post.security,
    [{ bearerAuth: senders }, { caxtonToken: senders }],
    "the API needs a token with a role that may send",
  );
  assert.deepEqual(doc.paths["/api/v1/messages/send-and-wait"].post.tags, ["messages"]);
  assert.deepEqual(doc.paths["/health"].get.tags, ["health"]);
});
