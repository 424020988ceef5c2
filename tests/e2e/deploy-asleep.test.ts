// Scale to zero at deploy, over HTTP: `"start": "on-message"` registers an agent without
// activating it; it is listed as hibernated (node and directory), its first messages start
// it fresh and are each handled once, and a node restart keeps a sleeper asleep.
import assert from "node:assert/strict";
import { waitFor } from "../support/cluster-procs.ts";
import { type NodeProcess, spawnNode } from "../support/node-process.ts";

const COUNTER = new URL("../../agents/dist/tiny-counter.wasm", import.meta.url);

async function deploy(base: string, config: Record<string, unknown>) {
  const form = new FormData();
  form.append("wasm", new Blob([await Deno.readFile(COUNTER)]), "counter.wasm");
  form.append("config", JSON.stringify(config));
  const res = await fetch(`${base}/api/v1/agents`, { method: "POST", body: form });
  return { status: res.status, body: await res.json() };
}

async function getJson(url: string) {
  const res = await fetch(url);
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

/** Send-and-wait of `performative` to `name`; the reply's content. */
async function ask(base: string, name: string, performative = "request"): Promise<unknown> {
  const res = await fetch(`${base}/api/v1/messages/send-and-wait?timeout_ms=10000`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ performative, receiver: name, content: "n" }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  const content = body.reply.content;
  return typeof content === "string" ? JSON.parse(content) : content;
}

/** An at-least-once `request`: its status once the node stored it (202: queued). */
async function sendDurable(base: string, name: string, id: string): Promise<number> {
  const res = await fetch(`${base}/api/v1/messages?delivery=at-least-once`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": id },
    body: JSON.stringify({ performative: "request", sender: "client", receiver: name }),
  });
  await res.body?.cancel();
  return res.status;
}

Deno.test("deploy asleep over HTTP: hibernated until its first message, and after a restart", async () => {
  let node: NodeProcess = await spawnNode(["--name", "zz", "--rate-limit", "off"]);
  const dataDir = node.dataDir;
  try {
    for (const name of ["c1", "c2"]) {
      const r = await deploy(node.url, { name, start: "on-message" });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.status, "hibernated");
    }
    const bad = await deploy(node.url, { name: "c3", start: "later" });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /start must be one of 'on-deploy', 'on-message'/);

    assert.equal((await getJson(`${node.url}/api/v1/agents/c1`)).status, "hibernated");
    const asleep = await getJson(`${node.url}/api/v1/agents?status=hibernated`);
    assert.deepEqual(asleep.agents.map((a: { name: string }) => a.name), ["c1", "c2"]);
    const dir = await getJson(`${node.url}/api/v1/directory/agents?state=hibernated`);
    assert.deepEqual(dir.agents.map((a: { name: string }) => a.name), ["c1", "c2"]);

    // Three at-least-once requests while it starts: queued (202), then each handled once.
    const statuses = await Promise.all(
      ["m1", "m2", "m3"].map((id) => sendDurable(node.url, "c1", id)),
    );
    assert.deepEqual(statuses, [202, 202, 202]);
    await waitFor("the three handled", async () => {
      const v = await getJson(`${node.url}/api/v1/agents/c1`);
      return v.metrics.messages_processed >= 3 ? true : undefined;
    });
    assert.deepEqual(await ask(node.url, "c1", "query-ref"), { count: 3 }, "storage count");
    assert.deepEqual(await ask(node.url, "c1", "query-if"), { count: 3 }, "fresh memory");
    assert.equal((await getJson(`${node.url}/api/v1/agents/c1`)).status, "running");

    await node.stop("SIGTERM", { keepData: true });
    node = await spawnNode(["--name", "zz", "--rate-limit", "off"], {}, { dataDir });
    assert.equal((await getJson(`${node.url}/api/v1/agents/c2`)).status, "hibernated");
    assert.equal((await getJson(`${node.url}/api/v1/agents/c1`)).status, "running");
    assert.deepEqual(await ask(node.url, "c1", "query-ref"), { count: 3 });
    // The sleeper starts on its first message, fresh.
    assert.deepEqual(await ask(node.url, "c2"), { count: 1 });
    assert.equal((await getJson(`${node.url}/api/v1/agents/c2`)).status, "running");
  } finally {
    await node.stop();
  }
});
