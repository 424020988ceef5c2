// The dashboard in headless Chromium opened AFTER the traffic: the live view and the
// conversations come from the node's message history, and the chart plots the node's
// messages per second and p50/p99 latency from GET /api/v1/metrics/series.
import assert from "node:assert/strict";
import { watAgentBytes } from "../../agents/build/mod.ts";
import { DeployConfigSchema } from "../../runtime/agents/mod.ts";
import { chromiumStatus, launchBrowser } from "./chromium.ts";
import { startCluster, stopCluster } from "./nodes.ts";

const SCREENSHOTS = new URL("./screenshots/", import.meta.url);
const status = chromiumStatus();
const CONVERSATIONS = ["conv-before-1", "conv-before-2", "conv-before-3"];

Deno.test({
  name: `dashboard opened after the traffic shows its history and the metrics chart${
    status.ok ? "" : ` (${status.fail ? "FAILED" : "skipped"}: ${status.reason})`
  }`,
  ignore: !status.ok && !status.fail,
  async fn() {
    if (!status.ok) throw new Error(status.reason);
    const nodes = await startCluster(["hist-a"]);
    const [a] = nodes.map((n) => n.node);
    const browser = await launchBrowser();
    try {
      await a.agents.deploy(
        await watAgentBytes("tiny"),
        DeployConfigSchema.parse({ name: "echo" }),
      );
      // The traffic, all before the page exists: requests answered by echo's informs.
      for (const conversation_id of CONVERSATIONS) {
        for (let i = 0; i < 4; i++) {
          const res = await fetch(`${a.url}/api/v1/messages/send-and-wait?timeout_ms=10000`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              performative: "request",
              sender: "client",
              receiver: "echo",
              content: `ping ${i}`,
              conversation_id,
            }),
          });
          assert.equal(res.status, 200, await res.clone().text());
          await res.body?.cancel();
        }
      }
      const series = await (await fetch(`${a.url}/api/v1/metrics/series`)).json();
      const handled = series.points.reduce(
        (n: number, p: { messages: number }) => n + p.messages,
        0,
      );
      assert.equal(handled, 12, JSON.stringify(series));

      const page = await browser.ctx.newPage();
      const problems: string[] = [];
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      const res = await page.goto(`${a.url}/dashboard`);
      assert.equal(res?.status(), 200);

      // Conversations and events from the history, without any new traffic.
      for (const c of CONVERSATIONS) {
        await page.waitForSelector(`#conversations tr[data-conversation="${c}"]`, {
          timeout: 20_000,
        });
        const row = await page.textContent(`#conversations tr[data-conversation="${c}"]`) ?? "";
        // 4 requests and 4 informs of echo, in this node's history.
        assert.match(row, /client.*echo.*8\s*inform/s, row);
      }
      const lines = await page.locator("#events li").allTextContents();
      assert.equal(lines.filter((l) => /message\.routed/.test(l)).length, 24, lines.join("\n"));
      assert.ok(
        lines.some((l) => /client@hist-a → echo\s+request\s+\[conv-before-1\]/.test(l)),
        lines.join("\n"),
      );
      assert.ok(
        lines.some((l) => /echo@dash → client@hist-a\s+inform\s+\[conv-before-2\]/.test(l)),
      );

      // The chart: the rate line and both latency lines are drawn, the legend has figures.
      await page.waitForFunction(
        () => {
          const g = globalThis as unknown as {
            document: { querySelector(s: string): { getAttribute(a: string): string | null } };
          };
          return Number(g.document.querySelector("#chart").getAttribute("data-points")) > 0;
        },
        undefined,
        { timeout: 20_000 },
      );
      for (const id of ["chart-rate", "chart-p50", "chart-p99"]) {
        const pts = await page.getAttribute(`#${id}`, "points") ?? "";
        assert.ok(pts.split(" ").length >= 2, `${id}: ${pts}`);
      }
      const rate = (await page.getAttribute("#chart-rate", "points"))!.split(" ")
        .map((xy) => Number(xy.split(",")[1]));
      assert.ok(rate.some((y) => y < 140), `the rate line rises above zero: ${rate}`);
      assert.match(
        await page.textContent("#chart-legend") ?? "",
        // The latency of the latest point with traffic, whether or not the last 10 s had any.
        /hist-a: [\d.]+ msg\/s \(last 10 s\) · p50 [\d.]+ ms · p99 [\d.]+ ms \(latest traffic, \d\d:\d\d:\d\d\)/,
      );

      await Deno.mkdir(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: new URL("history.png", SCREENSHOTS).pathname, fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await stopCluster(nodes);
    }
  },
});
