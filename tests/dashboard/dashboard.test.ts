// The dashboard in headless Chromium against two in-process nodes of one cluster: token
// prompt, members and leader, the cluster's agents from the directory, and live messages,
// conversations and migrations from the event WebSocket. Keeps a screenshot in screenshots/.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { watAgentBytes } from "../../agents/build/mod.ts";
import { DeployConfigSchema } from "../../runtime/agents/mod.ts";
import { chromiumStatus, launchBrowser } from "./chromium.ts";
import { startCluster, stopCluster } from "./nodes.ts";

const TOKEN = "dashboard-test-token-0123456789";
const SCREENSHOTS = new URL("./screenshots/", import.meta.url);
const status = chromiumStatus();

if (!status.ok) {
  console.warn(`dashboard browser tests: ${status.fail ? "FAILING" : "SKIPPED"}: ${status.reason}`);
}

/** The little of the DOM the page functions below use (this file is not type-checked as DOM). */
type Dom = { document: { querySelector(s: string): { textContent: string | null } | null } };

/** Waits until `selector`'s text contains `text`. */
async function waitText(page: Page, selector: string, text: string, ms = 30_000) {
  await page.waitForFunction(
    ([s, t]) =>
      ((globalThis as unknown as Dom).document.querySelector(s)?.textContent ?? "").includes(t),
    [selector, text] as const,
    { timeout: ms },
  );
}

Deno.test({
  name: `dashboard renders a live two-node cluster in Chromium${
    status.ok ? "" : ` (${status.fail ? "FAILED" : "skipped"}: ${status.reason})`
  }`,
  ignore: !status.ok && !status.fail,
  async fn() {
    if (!status.ok) throw new Error(status.reason);
    const nodes = await startCluster(["dash-a", "dash-b"], { adminTokens: [TOKEN] });
    const [a, b] = nodes.map((n) => n.node);
    const browser = await launchBrowser();
    try {
      const tiny = await watAgentBytes("tiny");
      await a.agents.deploy(tiny, DeployConfigSchema.parse({ name: "echo" }));
      await b.agents.deploy(tiny, DeployConfigSchema.parse({ name: "echo-b" }));

      const page = await browser.ctx.newPage();
      const problems: string[] = [];
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("console", (m) => {
        // The first API calls answer 401 before the token is given: that is expected.
        if (m.type() === "error" && !/401/.test(m.text())) problems.push(m.text());
      });

      const res = await page.goto(`${a.url}/dashboard`);
      assert.equal(res?.status(), 200);
      assert.match(res?.headers()["content-security-policy"] ?? "", /script-src 'self'/);

      // No token yet: the API answers 401 and the page asks for one.
      await page.waitForSelector("#token-dialog[open]", { timeout: 10_000 });
      assert.match(await page.textContent("#token-reason") ?? "", /token/i);
      await Deno.mkdir(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: new URL("token-prompt.png", SCREENSHOTS).pathname });
      await page.fill("#token-input", TOKEN);
      await page.click("#token-submit");
      await page.waitForSelector("#token-dialog[open]", { state: "detached" });

      // Members and leader.
      await waitText(page, "#members", "dash-b");
      const members = await page.textContent("#members") ?? "";
      assert.match(members, /dash-a/);
      assert.match(members, /★ leader/);
      assert.equal(await page.textContent("#sum-self"), "dash-a");
      assert.equal(await page.textContent("#sum-members"), "2");

      // Agents of both nodes, from the directory; this node's with counters.
      await waitText(page, "#agents", "echo-b");
      const echoB = await page.textContent('#agents tr[data-agent="echo-b"]') ?? "";
      assert.match(echoB, /dash-b/);
      assert.match(echoB, /running/);
      const echo = await page.textContent('#agents tr[data-agent="echo"]') ?? "";
      assert.match(echo, /dash-a/);

      // The event stream is live (the token went along as ?token=).
      await waitText(page, "#ws-status", "live");

      // A conversation with the echo agent shows up live, as a message and a conversation;
      // a conversation id that looks like HTML stays text.
      const convId = 'conv-<img src="x" id="xss">';
      const sent = await fetch(`${a.url}/api/v1/messages/send-and-wait?timeout_ms=10000`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({
          performative: "request",
          sender: "client",
          receiver: "echo",
          content: "hello dashboard",
          conversation_id: convId,
        }),
      });
      assert.equal(sent.status, 200, await sent.clone().text());
      await sent.body?.cancel();
      await waitText(page, "#events", "message.sent");
      assert.match(await page.textContent("#events") ?? "", /echo → client@dash-a\s+inform/);
      await waitText(page, "#conversations", convId);
      assert.equal(await page.locator("#xss").count(), 0, "event text must not become HTML");

      // A deployment while the page is open: the event and the new row, without a reload.
      await a.agents.deploy(tiny, DeployConfigSchema.parse({ name: "late" }));
      await waitText(page, "#events", "agent.deployed");
      await waitText(page, "#agents", "late");

      // A canary of the echo agent: its row (stage, traffic, per-version errors) appears on
      // its deployment.started event; its rollback turns it red without a reload.
      const auth = { "content-type": "application/json", authorization: `Bearer ${TOKEN}` };
      const created = await fetch(`${a.url}/api/v1/deployments`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({
          agent_id: "echo",
          wasm_module: btoa(String.fromCharCode(...tiny)),
          version: "2.0.0",
          strategy: {
            type: "canary",
            stages: [{ percentage: 30, duration: "10m" }, { percentage: 100, duration: "0" }],
          },
        }),
      });
      assert.equal(created.status, 201, await created.clone().text());
      const { deployment_id: deploymentId } = await created.json();
      const deploymentRow = `#deployments tr[data-deployment="${deploymentId}"]`;
      await waitText(page, deploymentRow, "in_progress");
      const row = await page.textContent(deploymentRow) ?? "";
      assert.match(row, /echo\s*canary\s*1\/2 \(30 %\)/);
      assert.match(row, /2\.0\.0 30 %/);
      assert.match(row, /2\.0\.0 0\/0/);
      const rolledBack = await fetch(`${a.url}/api/v1/deployments/${deploymentId}/rollback`, {
        method: "POST",
        headers: auth,
      });
      assert.equal(rolledBack.status, 200, await rolledBack.clone().text());
      await rolledBack.body?.cancel();
      await waitText(page, deploymentRow, "rolled_back");

      // Migrations as their events arrive.
      a.events.publish({
        type: "migration.started",
        agent_id: "echo",
        from_node: "dash-a",
        target_node: "dash-b",
      });
      a.events.publish({ type: "migration.completed", agent_id: "echo" });
      await waitText(page, '#migrations tr[data-migration="echo"]', "completed");
      const mig = await page.textContent('#migrations tr[data-migration="echo"]') ?? "";
      assert.match(mig, /dash-a.*dash-b/);

      // The filter narrows the live view.
      await page.fill("#event-filter", "migration");
      const lines = await page.locator("#events li").allTextContents();
      assert.ok(lines.length >= 2 && lines.every((l) => /migration/.test(l)), lines.join("\n"));
      await page.fill("#event-filter", "");

      await page.screenshot({
        path: new URL("dashboard.png", SCREENSHOTS).pathname,
        fullPage: true,
      });
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await stopCluster(nodes);
    }
  },
});
