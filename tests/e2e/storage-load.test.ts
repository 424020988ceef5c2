// Issue 11, points 4 and 8 over real HTTP: one agent call storing 20,000 keys does not stop
// the node answering /health meanwhile, and after the writes were acknowledged at least once
// a SIGKILL and a restart on the same data directory read every one of them back.
import assert from "node:assert/strict";
import { pollUntil } from "../../runtime/async/mod.ts";
import { spawnNode } from "../support/node-process.ts";

const FILL = await Deno.readFile(new URL("../../agents/dist/tiny-fill.wasm", import.meta.url));
const KEYS = 20_000;

async function ask(base: string, content: string) {
  const res = await fetch(`${base}/api/v1/messages/send-and-wait?timeout_ms=30000`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ performative: "request", receiver: "fill", content }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.reply.content;
}

Deno.test("20,000 store()s in one call: /health answers meanwhile; all read back after SIGKILL and restart", async () => {
  let node = await spawnNode(["--name", "fill", "--rate-limit", "off"]);
  const dataDir = node.dataDir;
  try {
    const form = new FormData();
    form.append("wasm", new Blob([FILL]), "fill.wasm");
    form.append("config", JSON.stringify({ name: "fill", limits: { cpu_ms_per_call: 5000 } }));
    const res = await fetch(`${node.url}/api/v1/agents`, { method: "POST", body: form });
    assert.equal(res.status, 201, await res.text());

    // The call runs in the agent's Worker; the HTTP server goes on answering.
    let filled = false;
    let answeredDuring = 0;
    const url = node.url;
    const health = (async () => {
      while (!filled) {
        const h = await fetch(`${url}/health`);
        await h.body?.cancel();
        assert.equal(h.status, 200);
        if (!filled) answeredDuring++;
      }
    })();
    const stored = await ask(node.url, String(KEYS)).finally(() => (filled = true));
    await health;
    assert.equal(stored, "stored");
    assert.ok(answeredDuring > 0, "no /health answer while the call ran");

    // An at-least-once message is acknowledged only with a checkpoint of the agent's whole
    // state, the 20,000 writes included.
    const r = await fetch(`${node.url}/api/v1/messages?delivery=at-least-once`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ performative: "request", receiver: "fill", content: "1" }),
    });
    assert.equal(r.status, 202);
    await r.body?.cancel();
    await pollUntil("the at-least-once message handled", async () => {
      const d = await (await fetch(`${url}/api/v1/dead-letters`)).json();
      return d.pending === 0 && d.total === 0 ? true : undefined;
    }, { timeoutMs: 30_000 });
    await node.stop("SIGKILL", { keepData: true });
    node = await spawnNode(["--name", "fill", "--rate-limit", "off"], {}, { dataDir });
    assert.equal(await ask(node.url, `?${KEYS}`), "ok");
    assert.equal(await ask(node.url, `?${KEYS + 1}`), "missing");
  } finally {
    await node.stop();
  }
});
