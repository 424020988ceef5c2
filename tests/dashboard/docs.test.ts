// The API reference (/docs) in headless Chromium against a node process with a token: the
// page renders /openapi.json with every operation listed, loads nothing from another
// origin, breaks no CSP rule, and reports no error in the document. Keeps a screenshot in
// screenshots/.
import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";
import { chromiumStatus, launchBrowser } from "./chromium.ts";

const TOKEN = "docs-browser-token-0123456789";
const SCREENSHOTS = new URL("./screenshots/", import.meta.url);
const status = chromiumStatus();

/** The little of the DOM the page functions below use (this file is not type-checked as DOM). */
type Dom = {
  document: {
    querySelectorAll(s: string): ArrayLike<{ textContent: string | null }>;
  };
};

Deno.test({
  name: `/docs renders the API reference in Chromium${
    status.ok ? "" : ` (${status.fail ? "FAILED" : "skipped"}: ${status.reason})`
  }`,
  ignore: !status.ok && !status.fail,
  async fn() {
    if (!status.ok) throw new Error(status.reason);
    const node = await spawnNode(["--name", "docs-node", "--admin-token", TOKEN]);
    const browser = await launchBrowser();
    try {
      const doc = await (await fetch(`${node.url}/openapi.json`)).json();
      const operations = Object.values(doc.paths as Record<string, Record<string, unknown>>)
        .flatMap((p) => Object.keys(p)).length;
      assert.ok(operations > 30, `${operations} operations`);

      const page = await browser.ctx.newPage();
      const problems: string[] = [];
      const foreign: string[] = [];
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(m.text());
      });
      page.on("response", (r) => {
        if (r.status() >= 400) problems.push(`${r.status()} for ${r.url()}`);
      });
      page.on("request", (r) => {
        if (!r.url().startsWith(`${node.url}/`) && !r.url().startsWith("data:")) {
          foreign.push(r.url());
        }
      });

      const res = await page.goto(`${node.url}/docs`);
      assert.equal(res?.status(), 200);
      await page.waitForSelector(".opblock", { timeout: 30_000 });
      await page.waitForFunction(
        (n) => (globalThis as unknown as Dom).document.querySelectorAll(".opblock").length >= n,
        operations,
        { timeout: 30_000 },
      );
      const paths = await page.$$eval(
        ".opblock-summary-path",
        (els) => els.map((e) => e.getAttribute("data-path") ?? e.textContent ?? ""),
      );
      assert.equal(paths.length, operations, "one block per operation of /openapi.json");
      for (const p of ["/api/v1/messages/send-and-wait", "/api/v1/agents/{id}/migrate", "/ws"]) {
        assert.ok(paths.some((x) => x.replace(/\u200b/g, "") === p), `${p} in ${paths}`);
      }
      assert.equal(await page.$$eval(".errors-wrapper", (els) => els.length), 0, "no errors");
      const title = await page.textContent(".info .title") ?? "";
      assert.match(title, /fipa-edge/);
      assert.ok(await page.$(".btn.authorize"), "the token schemes give an Authorize button");

      await Deno.mkdir(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: new URL("docs.png", SCREENSHOTS).pathname, fullPage: false });
      assert.deepEqual(foreign, [], "nothing from another origin");
      assert.deepEqual(problems, [], "no console errors or CSP violations");
    } finally {
      await browser.close();
      await node.stop();
    }
  },
});
