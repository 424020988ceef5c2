// The ticker sample (ComponentizeJS, world 0.2.0) on a real node: a FIPA subscribe is agreed,
// then informs follow on its durable timer, in the subscription's conversation.
import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";

const DIST = new URL("../../agents/dist/", import.meta.url);

Deno.test("ticker: subscribe is agreed, then informs come on its timer (to reply-to)", async () => {
  const node = await spawnNode(["--name", "edge-tick"]);
  try {
    const form = new FormData();
    const wasm = await Deno.readFile(new URL("ticker.wasm", DIST));
    form.append("wasm", new Blob([wasm]), "ticker.wasm");
    form.append(
      "config",
      JSON.stringify({ name: "ticker", manifest: { network: "local", env: { TICK_MS: "200" } } }),
    );
    const dep = await fetch(`${node.url}/api/v1/agents`, { method: "POST", body: form });
    assert.equal(dep.status, 201, await dep.text());

    // The subscriber is the sample echo (deployed too): the ticker answers to `reply-to`.
    const echo = new FormData();
    echo.append("wasm", new Blob([await Deno.readFile(new URL("echo.wasm", DIST))]), "echo.wasm");
    echo.append("config", JSON.stringify({ name: "echo" }));
    const e = await fetch(`${node.url}/api/v1/agents`, { method: "POST", body: echo });
    assert.equal(e.status, 201, await e.text());

    // Follow the ticker's own log while subscribing.
    const ac = new AbortController();
    const stream = await fetch(`${node.url}/api/v1/agents/ticker/logs?follow=true`, {
      signal: ac.signal,
    });
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    const next = async () => {
      while (!buf.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) throw new Error("log stream ended");
        buf += value;
      }
      const i = buf.indexOf("\n");
      const line = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      return line;
    };

    const res = await fetch(`${node.url}/api/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        performative: "subscribe",
        receiver: "ticker",
        reply_to: ["echo"],
        protocol: "fipa-subscribe",
        conversation_id: "ticks-1",
        content: "ticks",
      }),
    });
    assert.equal(res.status, 200, await res.text());

    const sent: { performative: string; content: string; conversation_id: string }[] = [];
    while (sent.filter((m) => m.performative === "inform").length < 2) {
      const entry = await next();
      if (entry.kind === "log") assert.fail(`the ticker logged: ${entry.text}`);
      if (entry.kind === "sent") sent.push(entry);
    }
    ac.abort();
    await reader.cancel().catch(() => {});
    assert.equal(sent[0].performative, "agree");
    const informs = sent.filter((m) => m.performative === "inform");
    assert.equal(informs[0].conversation_id, "ticks-1");
    assert.equal(JSON.parse(informs[0].content).tick, 1);
    assert.equal(JSON.parse(informs[1].content).tick, 2);
    const v = await (await fetch(`${node.url}/api/v1/agents/ticker`)).json();
    assert.equal(v.metrics.restarts, 0, JSON.stringify(v));
  } finally {
    await node.stop();
  }
});
