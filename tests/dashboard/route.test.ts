// The dashboard's files over the app: public, with ETag, CSP and the right types; the API
// behind them still needs a token.
import assert from "node:assert/strict";
import { testApp } from "../support/app.ts";
import { DASHBOARD_ASSETS, loadDashboardAssets } from "../../runtime/dashboard/mod.ts";

const TOKEN = "route-test-token-0123456789";

const app = () => testApp({ adminTokens: [TOKEN] });

Deno.test("every dashboard file is served without a token, typed, with CSP and ETag", async () => {
  const a = app();
  for (const asset of DASHBOARD_ASSETS) {
    const res = await a.request(asset.path);
    assert.equal(res.status, 200, asset.path);
    assert.equal(res.headers.get("content-type"), asset.contentType);
    assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    const etag = res.headers.get("etag");
    assert.match(etag ?? "", /^"[0-9a-f]{24}"$/);
    const body = await res.text();
    assert.ok(body.length > 100, asset.path);
    const again = await a.request(asset.path, { headers: { "if-none-match": etag! } });
    assert.equal(again.status, 304);
  }
});

Deno.test("the page loads only its own scripts and styles, nothing from a CDN", async () => {
  const html = await (await app().request("/dashboard")).text();
  const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(refs.length >= 2);
  for (const r of refs) assert.match(r, /^(\/dashboard\/|data:)/, r);
  assert.doesNotMatch(html, /<script>(?!<\/)/, "no inline script (the CSP forbids it)");
});

Deno.test("the API still needs the token; unknown dashboard paths are 404", async () => {
  const a = app();
  const api = await a.request("/api/v1/messages/validate", { method: "POST" });
  assert.equal(api.status, 401);
  const missing = await a.request("/dashboard/secret.js");
  assert.equal(missing.status, 401, "not a dashboard file: not public either");
  const authed = await a.request("/dashboard/secret.js", {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(authed.status, 404);
  await authed.body?.cancel();
});

Deno.test("the OpenAPI document lists /dashboard", async () => {
  const doc = await (await app().request("/openapi.json", {
    headers: { authorization: `Bearer ${TOKEN}` },
  })).json();
  assert.ok(doc.paths["/dashboard"]?.get, Object.keys(doc.paths).join(", "));
});

Deno.test("assets load once per file, and a failing read is reported", async () => {
  const reads: string[] = [];
  const assets = await loadDashboardAssets((u) => {
    reads.push(u.pathname.split("/").pop()!);
    return Promise.resolve(new TextEncoder().encode(`file ${u.pathname}`));
  });
  assert.deepEqual(reads.sort(), ["app.js", "index.html", "model.js", "style.css"]);
  assert.equal(assets.get("/dashboard")?.etag, assets.get("/dashboard/")?.etag);
  await assert.rejects(
    loadDashboardAssets(() => Promise.reject(new Error("disk gone"))),
    /disk gone/,
  );
});
