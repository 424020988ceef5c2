// An agent's own log over real HTTP: GET /api/v1/agents/{id}/logs (page and NDJSON follow)
// and `deno task cli logs --agent <id>`.
import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const DIST = new URL("../../agents/dist/", import.meta.url);

async function send(base: string, body: Record<string, unknown>) {
  const res = await fetch(`${base}/api/v1/messages/send-and-wait?timeout_ms=10000`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return await res.json();
}

Deno.test("an agent's log shows what it received and sent; follow streams new entries", async () => {
  const node = await spawnNode(["--name", "edge-log"]);
  try {
    const form = new FormData();
    form.append("wasm", new Blob([await Deno.readFile(new URL("echo.wasm", DIST))]), "echo.wasm");
    form.append("config", JSON.stringify({ name: "echo" }));
    const dep = await fetch(`${node.url}/api/v1/agents`, { method: "POST", body: form });
    assert.equal(dep.status, 201, await dep.text());

    const r = await send(node.url, { performative: "request", receiver: "echo", content: "one" });
    assert.equal(r.reply.performative, "inform");
    const page = await (await fetch(`${node.url}/api/v1/agents/echo/logs`)).json();
    assert.equal(page.agent, "echo");
    const kinds = page.entries.map((e: { kind: string; performative: string }) =>
      `${e.kind} ${e.performative}`
    );
    assert.deepEqual(kinds, ["received request", "sent inform"]);
    assert.equal(page.entries[0].content, "one");
    assert.deepEqual(page.entries[1].to.length, 1);
    assert.equal(page.entries[1].seq, page.entries[0].seq + 1);

    const last = await (await fetch(`${node.url}/api/v1/agents/echo/logs?limit=1`)).json();
    assert.deepEqual(last.entries.map((e: { kind: string }) => e.kind), ["sent"]);
    const bad = await fetch(`${node.url}/api/v1/agents/echo/logs?limit=0`);
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, "INVALID_REQUEST");
    const none = await fetch(`${node.url}/api/v1/agents/nobody/logs`);
    assert.equal(none.status, 404);
    await none.body?.cancel();

    // Follow: the last entry, then the new ones as they happen.
    const ac = new AbortController();
    const res = await fetch(`${node.url}/api/v1/agents/echo/logs?follow=true&limit=1`, {
      signal: ac.signal,
    });
    assert.equal(res.headers.get("content-type"), "application/x-ndjson");
    const lines = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    const next = async () => {
      while (!buf.includes("\n")) {
        const { value, done } = await lines.read();
        if (done) throw new Error("stream ended");
        buf += value;
      }
      const i = buf.indexOf("\n");
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      return JSON.parse(line);
    };
    assert.equal((await next()).kind, "sent");
    // A query-ref echo declines: answered not-understood by the node, in the agent's name.
    await send(node.url, { performative: "query-ref", receiver: "echo", content: "two" });
    const got = [await next(), await next()];
    assert.deepEqual(got.map((e) => `${e.kind} ${e.performative}`), [
      "received query-ref",
      "sent not-understood",
    ]);
    ac.abort();
    await lines.cancel().catch(() => {});

    // The CLI shows the same log.
    const cli = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        "--allow-read",
        "--allow-env",
        `${ROOT}cli/main.ts`,
        "--url",
        node.url,
        "logs",
        "--agent",
        "echo",
        "--count",
        "4",
      ],
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(cli.stdout);
    assert.equal(cli.code, 0, new TextDecoder().decode(cli.stderr));
    const shown = out.trim().split("\n");
    assert.equal(shown.length, 4, out);
    assert.match(shown[0], /<- request from .*: one$/);
    assert.match(shown[1], /-> inform to /);
    assert.match(shown[2], /<- query-ref from /);
    assert.match(shown[3], /-> not-understood to /);
  } finally {
    await node.stop();
  }
});
