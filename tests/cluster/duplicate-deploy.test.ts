// Issue 11, points 1 and 9 across two real node processes: a refused duplicate deploy leaves
// the real agent (on the other node) alone, and a send-and-wait through one node to an
// agent that fails on the other answers 503 at once with the reason.
import assert from "node:assert/strict";
import { type ClusterNode, spawnCluster, waitFor } from "../support/cluster-procs.ts";

const DIST = new URL("../../agents/dist/", import.meta.url);

async function deploy(url: string, file: string, config: Record<string, unknown>) {
  const form = new FormData();
  form.append("wasm", new Blob([await Deno.readFile(new URL(file, DIST))]), file);
  form.append("config", JSON.stringify(config));
  const res = await fetch(`${url}/api/v1/agents`, { method: "POST", body: form });
  return { status: res.status, body: await res.json() };
}

async function ask(url: string, receiver: string, content: string, timeoutMs = 10_000) {
  const res = await fetch(`${url}/api/v1/messages/send-and-wait?timeout_ms=${timeoutMs}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ performative: "request", receiver, content }),
  });
  return { status: res.status, body: await res.json() };
}

async function directoryNode(url: string, name: string): Promise<string | undefined> {
  const res = await fetch(`${url}/api/v1/directory/agents`);
  const body = await res.json();
  const agents = body.agents as { name: string; node: string }[];
  return agents.find((a) => a.name === name || a.name.startsWith(`${name}@`))?.node;
}

Deno.test("a duplicate deploy on another node is refused and leaves the real agent where it is", async () => {
  const nodes: ClusterNode[] = await spawnCluster(["da", "db"], "dplat");
  try {
    const [a, b] = nodes;
    const first = await deploy(a.proc.url, "tiny.wasm", { name: "tiny" });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    await waitFor(
      "db sees tiny on da",
      async () => (await directoryNode(b.proc.url, "tiny")) === "da" ? true : undefined,
    );

    for (let i = 0; i < 2; i++) {
      const dup = await deploy(b.proc.url, "tiny.wasm", { name: "tiny" });
      assert.equal(dup.status, 409, JSON.stringify(dup.body));
      assert.equal(dup.body.error.code, "AGENT_ALREADY_EXISTS");
      assert.match(dup.body.error.message, /on node 'da'/);
    }
    // The directory still has tiny on da, on both nodes, and messages through db reach it.
    for (const n of nodes) assert.equal(await directoryNode(n.proc.url, "tiny"), "da");
    const r = await ask(b.proc.url, "tiny", "still here");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.reply.content, "still here");
    const onB = await fetch(`${b.proc.url}/api/v1/agents/tiny`);
    assert.equal(onB.status, 404);
    await onB.body?.cancel();
  } finally {
    await Promise.all(nodes.map((n) => n.proc.stop("SIGTERM")));
  }
});

Deno.test("send-and-wait through one node to an agent failing on the other answers 503 at once", async () => {
  const nodes: ClusterNode[] = await spawnCluster(["fa", "fb"], "fplat");
  try {
    const [a, b] = nodes;
    const d = await deploy(a.proc.url, "hostile-loop.wasm", {
      name: "spinner",
      restart: "none",
      limits: { cpu_ms_per_call: 50 },
    });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    await waitFor(
      "fb sees spinner",
      async () => (await directoryNode(b.proc.url, "spinner")) === "fa" ? true : undefined,
    );
    const t0 = performance.now();
    const r = await ask(b.proc.url, "spinner", "spin", 20_000);
    const ms = performance.now() - t0;
    assert.equal(r.status, 503, JSON.stringify(r.body));
    assert.equal(r.body.error.code, "AGENT_UNAVAILABLE");
    assert.match(r.body.error.message, /cpu-limit/);
    // Answered by the failure, not by the 20 s timeout.
    assert.ok(ms < 15_000, `answered after ${Math.round(ms)} ms`);
  } finally {
    await Promise.all(nodes.map((n) => n.proc.stop("SIGTERM")));
  }
});
