import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";
import { clusterView, spawnMember, waitFor } from "../support/cluster-procs.ts";

const DIST = new URL("../../agents/dist/", import.meta.url);

async function deploy(url: string, name: string) {
  const form = new FormData();
  form.append("wasm", new Blob([await Deno.readFile(new URL("tiny.wasm", DIST))]), "tiny.wasm");
  form.append("config", JSON.stringify({ name }));
  const res = await fetch(`${url}/api/v1/agents`, { method: "POST", body: form });
  assert.equal(res.status, 201, await res.clone().text());
  await res.body?.cancel();
}

async function sendAtLeastOnce(url: string, receiver: string, key: string) {
  const res = await fetch(`${url}/api/v1/messages?delivery=at-least-once`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": key },
    body: JSON.stringify({ performative: "request", receiver, content: key }),
  });
  const body = await res.json();
  assert.equal(res.status, 202, JSON.stringify(body));
  assert.equal(body.status, "queued");
  return body.message_id as string;
}

async function processed(url: string, agent: string): Promise<number> {
  const v = await (await fetch(`${url}/api/v1/agents/${agent}`)).json();
  return v.metrics?.messages_processed ?? -1;
}

Deno.test("at-least-once: delivered once the node returns; dead-lettered after its retries; retried from the queue", async () => {
  const a = await spawnMember("d1", "dplat", 0, []);
  const seed = await waitFor("founder", async () => {
    const v = await clusterView(a.proc.url);
    return v.leader ? v.self.addresses[0] : undefined;
  });
  // A short retry policy on d1 so the dead-letter case is quick.
  let b = await spawnMember("d2", "dplat", 0, [seed]);
  const p2 = b.p2pPort;
  const nodes = [a, b];
  try {
    await waitFor(
      "two voters",
      async () => ((await clusterView(a.proc.url)).voters.length === 2 ? true : undefined),
    );
    await deploy(b.proc.url, "echo");
    await waitFor("directory knows echo", async () => {
      const r = await fetch(`${a.proc.url}/api/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ performative: "inform", receiver: "echo", content: "warm-up" }),
      });
      await r.body?.cancel();
      return r.status === 200 ? true : undefined;
    });

    // d2 goes down; a message accepted meanwhile is delivered, once, when it is back.
    const dataDir = b.proc.dataDir;
    await b.proc.stop("SIGKILL", { keepData: true });
    const id = await sendAtLeastOnce(a.proc.url, "echo", "while-down");
    const again = await sendAtLeastOnce(a.proc.url, "echo", "while-down"); // client retry: same key
    assert.equal(again, id);
    await new Promise((r) => setTimeout(r, 500));
    b = await spawnMember("d2", "dplat", p2, [], dataDir);
    nodes[1] = b;
    await waitFor(
      "redelivery",
      async () => ((await processed(b.proc.url, "echo")) >= 1 ? true : undefined),
      30_000,
    );
    await waitFor("outbox drained", async () => {
      const q = await (await fetch(`${a.proc.url}/api/v1/dead-letters`)).json();
      return q.pending === 0 ? true : undefined;
    });
    assert.equal(await processed(b.proc.url, "echo"), 1, "delivered exactly once");
  } finally {
    await Promise.all(nodes.map((n) => n.proc.stop()));
  }
});

Deno.test("at-least-once to an unreachable agent lands in the dead-letter queue, then retry and purge", async () => {
  const node = await spawnNode(["--delivery-max-attempts", "2", "--delivery-retry-ms", "50"]);
  try {
    const id = await sendAtLeastOnce(node.url, "nobody", "k1");
    const dead = await waitFor("a dead letter", async () => {
      const q = await (await fetch(`${node.url}/api/v1/dead-letters`)).json();
      return q.dead_letters.length ? q.dead_letters : undefined;
    });
    assert.equal(dead[0].message_id, id);
    assert.equal(dead[0].attempts, 2);
    assert.match(dead[0].last_error, /nobody/);
    const retry = await fetch(`${node.url}/api/v1/dead-letters/${id}/retry`, { method: "POST" });
    assert.equal(retry.status, 202);
    await retry.body?.cancel();
    await waitFor("dead again", async () => {
      const q = await (await fetch(`${node.url}/api/v1/dead-letters`)).json();
      return q.dead_letters.length && q.pending === 0 ? true : undefined;
    });
    const purge = await fetch(`${node.url}/api/v1/dead-letters/${id}`, { method: "DELETE" });
    assert.equal((await purge.json()).purged, 1);
    const empty = await (await fetch(`${node.url}/api/v1/dead-letters`)).json();
    assert.equal(empty.total, 0);
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    assert.match(metrics, /fipa_edge_dead_letters\{node="node1"\} 0/);
  } finally {
    await node.stop();
  }
});
