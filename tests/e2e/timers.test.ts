// Agents' durable timers on a real node (world 0.2.0, the tiny-timer-later agent: a request
// "T" sets a timer due in 3000 ms with tag T; on-timer logs T): it fires once, not before it
// is due; a timer due while the agent hibernates wakes it; after a restart from the data
// directory a pending timer still fires.
import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";

const DIST = new URL("../../agents/dist/", import.meta.url);
const DELAY_MS = 3000;

interface Entry {
  kind: string;
  text?: string;
  performative?: string;
  at: string;
}

async function deploy(base: string, name: string) {
  const form = new FormData();
  const file = "tiny-timer-later.wasm";
  form.append("wasm", new Blob([await Deno.readFile(new URL(file, DIST))]), file);
  form.append("config", JSON.stringify({ name }));
  const res = await fetch(`${base}/api/v1/agents`, { method: "POST", body: form });
  assert.equal(res.status, 201, await res.text());
}

async function setTimer(base: string, agent: string, tag: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/messages/send-and-wait?timeout_ms=10000`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ performative: "request", receiver: agent, content: tag }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.reply.performative, "inform");
  assert.match(body.reply.content, /^tmr_[0-9a-f]{32}$/, "set-timer answered the timer's id");
  return body.reply.content;
}

async function log(base: string, agent: string): Promise<Entry[]> {
  const res = await fetch(`${base}/api/v1/agents/${agent}/logs?limit=1000`);
  assert.equal(res.status, 200);
  return (await res.json()).entries;
}

const firedLines = (entries: Entry[], tag: string) =>
  entries.filter((e) => e.kind === "log" && e.text === tag);

/**
 * Follows the agent's log (NDJSON, from its first entry) until `on-timer` logged `tag`;
 * resolves with the entries seen. (No polling: the API rate-limits its callers.)
 */
async function waitFired(base: string, agent: string, tag: string): Promise<Entry[]> {
  const ac = new AbortController();
  const res = await fetch(`${base}/api/v1/agents/${agent}/logs?follow=true&limit=1000`, {
    signal: ac.signal,
  });
  assert.equal(res.status, 200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const seen: Entry[] = [];
  let buf = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`log stream ended before '${tag}' fired`);
      buf += value;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const e = JSON.parse(buf.slice(0, nl)) as Entry;
        buf = buf.slice(nl + 1);
        seen.push(e);
        if (e.kind === "log" && e.text === tag) return seen;
      }
    }
  } finally {
    ac.abort();
    await reader.cancel().catch(() => {});
  }
}

Deno.test("a timer fires once, not before it is due", async () => {
  const node = await spawnNode(["--name", "edge-tm"]);
  try {
    await deploy(node.url, "t1");
    await setTimer(node.url, "t1", "ding");
    const entries = await waitFired(node.url, "t1", "ding");
    const received = Date.parse(entries.find((e) => e.kind === "received")!.at);
    const fired = Date.parse(firedLines(entries, "ding")[0].at);
    assert.ok(fired - received >= DELAY_MS, `fired ${fired - received} ms after the request`);
    // Once: nothing more fires (the table is empty; a second timer fires on its own).
    await setTimer(node.url, "t1", "dong");
    await waitFired(node.url, "t1", "dong");
    assert.equal(firedLines(await log(node.url, "t1"), "ding").length, 1);
  } finally {
    await node.stop();
  }
});

Deno.test("a timer due while the agent hibernates wakes it", async () => {
  const node = await spawnNode(["--name", "edge-th"]);
  try {
    await deploy(node.url, "sleepy");
    await setTimer(node.url, "sleepy", "wake-up");
    const h = await fetch(`${node.url}/api/v1/agents/sleepy/hibernate`, { method: "POST" });
    const hv = await h.json();
    assert.equal(h.status, 200, JSON.stringify(hv));
    assert.equal(hv.status, "hibernated");
    assert.equal(firedLines(await log(node.url, "sleepy"), "wake-up").length, 0, "not yet due");
    await waitFired(node.url, "sleepy", "wake-up");
    const v = await (await fetch(`${node.url}/api/v1/agents/sleepy`)).json();
    assert.equal(v.status, "running");
  } finally {
    await node.stop();
  }
});

Deno.test("after a restart from the data directory a pending timer still fires", async () => {
  const node = await spawnNode(["--name", "edge-tr"]);
  let dataDir = node.dataDir;
  try {
    await deploy(node.url, "keeper");
    await setTimer(node.url, "keeper", "after-restart");
  } finally {
    dataDir = node.dataDir;
    await node.stop("SIGTERM", { keepData: true });
  }
  const again = await spawnNode(["--name", "edge-tr"], {}, { dataDir });
  try {
    await waitFired(again.url, "keeper", "after-restart");
    assert.equal(firedLines(await log(again.url, "keeper"), "after-restart").length, 1);
  } finally {
    await again.stop();
  }
});

Deno.test("limits.timers bounds an agent's pending timers: past it set-timer is an error value", async () => {
  const node = await spawnNode(["--name", "edge-tl"]);
  try {
    const deployWith = (name: string, limits: unknown) => {
      const form = new FormData();
      return Deno.readFile(new URL("tiny-timer-later.wasm", DIST)).then((wasm) => {
        form.append("wasm", new Blob([wasm]), "tiny-timer-later.wasm");
        form.append("config", JSON.stringify({ name, limits }));
        return fetch(`${node.url}/api/v1/agents`, { method: "POST", body: form });
      });
    };
    const tooMany = await deployWith("greedy", { timers: 151 });
    const bad = await tooMany.json();
    assert.equal(tooMany.status, 400, JSON.stringify(bad));
    assert.equal(bad.error.code, "INVALID_REQUEST");
    assert.match(JSON.stringify(bad), /limits\.timers/);
    const ok = await deployWith("frugal", { timers: 1 });
    assert.equal(ok.status, 201, await ok.text());
    await setTimer(node.url, "frugal", "first");
    const res = await fetch(`${node.url}/api/v1/messages/send-and-wait?timeout_ms=10000`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ performative: "request", receiver: "frugal", content: "second" }),
    });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.reply.content, "too many timers: 1 pending, limits.timers is 1");
    // The agent keeps running, and its one timer fires.
    await waitFired(node.url, "frugal", "first");
    assert.equal(firedLines(await log(node.url, "frugal"), "second").length, 0);
  } finally {
    await node.stop();
  }
});
