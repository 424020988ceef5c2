// The README's quick start, as written: a node started on an empty data directory (as
// `deno task start` does) answers every curl of "Sending a message", in order. The curls
// are read from README.md, so this test breaks when the README drifts from the node.
import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";
import { codeBlocks, parseCurl, readReadme, section, shellCommands } from "../support/readme.ts";

const README_BASE = "localhost:8080";

Deno.test("README quick start: a fresh node answers each curl of 'Sending a message'", async () => {
  const readme = await readReadme();
  const start = shellCommands(section(readme, "Quick start"));
  assert.ok(
    start.some((c) => c.startsWith("npx -y deno@2 task start")),
    `the quick start starts a node with deno task start: ${start}`,
  );
  const curls = shellCommands(section(readme, "Sending a message"))
    .filter((c) => c.startsWith("curl "))
    .map(parseCurl);
  assert.ok(curls.length >= 3, `three curls at least, found ${curls.length}`);

  // No flags but a free port and a fresh data directory; the sample agents as by default.
  const node = await spawnNode([], {}, { sampleAgents: true });
  try {
    for (const c of curls) {
      assert.ok(c.url.startsWith(`${README_BASE}/`), `README curls go to ${README_BASE}: ${c.url}`);
      const url = node.url + c.url.slice(README_BASE.length);
      const res = await fetch(url, { method: c.method, headers: c.headers, body: c.body });
      const text = await res.text();
      assert.equal(res.status, 200, `${c.method} ${c.url} answered ${res.status}: ${text}`);
      const answer = JSON.parse(text);
      if (c.url.endsWith("/send-and-wait")) {
        // The sample echo answers with an inform of the request's content.
        assert.equal(answer.reply?.performative, "inform", text);
        assert.deepEqual(answer.reply.content, JSON.parse(c.body!).content, text);
      } else {
        assert.equal(answer.status, "delivered", text);
        assert.deepEqual(answer.receivers.map((r: { status: string }) => r.status), [
          "delivered",
        ]);
      }
    }
  } finally {
    const status = await node.stop("SIGTERM");
    assert.equal(status.code, 0, node.logs());
  }
});

Deno.test("--sample-agents off: a fresh node starts without the sample echo", async () => {
  const node = await spawnNode(["--sample-agents", "off"], {}, { sampleAgents: true });
  try {
    const res = await fetch(`${node.url}/api/v1/agents`);
    const body = await res.json();
    assert.equal(res.status, 200);
    assert.deepEqual(body.agents, [], JSON.stringify(body));
  } finally {
    await node.stop("SIGTERM");
  }
});

Deno.test("the sample echo is deployed on the first start only: a restarted node keeps what it had", async () => {
  const first = await spawnNode([], {}, { sampleAgents: true });
  const dataDir = first.dataDir;
  try {
    const del = await fetch(`${first.url}/api/v1/agents/echo`, { method: "DELETE" });
    assert.ok(del.ok, `delete echo: ${del.status}`);
    await del.body?.cancel();
  } finally {
    await first.stop("SIGTERM", { keepData: true });
  }
  const again = await spawnNode([], {}, { sampleAgents: true, dataDir });
  try {
    const body = await (await fetch(`${again.url}/api/v1/agents`)).json();
    assert.deepEqual(body.agents, [], JSON.stringify(body));
  } finally {
    await again.stop("SIGTERM");
  }
});

Deno.test("README 'MCP and A2A': a fresh node answers each curl", async () => {
  const curls = shellCommands(section(await readReadme(), "MCP and A2A"))
    .filter((c) => c.startsWith("curl "))
    .map(parseCurl);
  assert.equal(curls.length, 3, JSON.stringify(curls));
  const node = await spawnNode([], {}, { sampleAgents: true });
  try {
    const answers = new Map<string, string>();
    for (const c of curls) {
      const res = await fetch(node.url + c.url.slice(README_BASE.length), {
        method: c.method,
        headers: c.headers,
        body: c.body,
      });
      const text = await res.text();
      assert.equal(res.status, 200, `${c.method} ${c.url} answered ${res.status}: ${text}`);
      answers.set(c.url.slice(README_BASE.length), text);
    }
    // MCP: the initialize result on the session's SSE stream.
    assert.match(answers.get("/mcp")!, /"serverInfo":\{"name":"fipa-edge node1"/);
    // A2A: the platform card lists the sample echo's skill; the echo completes a task.
    const card = JSON.parse(answers.get("/.well-known/agent-card.json")!);
    assert.deepEqual(card.skills.map((s: { id: string }) => s.id), ["echo/echo"]);
    const task = JSON.parse(answers.get("/a2a/echo")!).result.task;
    assert.equal(task.status.state, "TASK_STATE_COMPLETED");
    assert.deepEqual(task.artifacts[0].parts[0], { text: "hello", mediaType: "text/plain" });
  } finally {
    // The MCP session the curl opened is still open: the node closes it and exits cleanly.
    const status = await node.stop("SIGTERM");
    assert.equal(status.code, 0, node.logs());
  }
});

Deno.test("README client library: the example runs as written against a fresh node", async () => {
  const [example] = codeBlocks(section(await readReadme(), "Client library"), "ts");
  assert.ok(example?.includes('from "./client/mod.ts"'), "the example imports client/mod.ts");
  assert.ok(example.includes(`"http://${README_BASE.replace("localhost", "127.0.0.1")}"`));
  const node = await spawnNode([], {}, { sampleAgents: true });
  // Run from the repository root, as the README says; only the node's address differs.
  const root = new URL("../../", import.meta.url).pathname;
  const file = `${root}.readme-client-${crypto.randomUUID()}.ts`;
  try {
    await Deno.writeTextFile(file, example.replace("http://127.0.0.1:8080", node.url));
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--check", "--allow-net", "--allow-env", file],
      cwd: root,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, `${text}\n${new TextDecoder().decode(out.stderr)}`);
    // Each console.log of the example prints what its comment says.
    const expected = [...example.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
    assert.equal(expected.length, 4);
    assert.deepEqual(text.trim().split("\n"), expected);
  } finally {
    await Deno.remove(file).catch(() => {});
    await node.stop("SIGTERM");
  }
});
