/**
 * `bridges`: the cost of each bridge. A send-and-wait to the tiny echo through MCP
 * (`tools/call send_and_wait` with the SDK's client over Streamable HTTP) and through A2A
 * (`SendMessage` with `@a2a-js/sdk`'s client, a blocking task) against the same round trip
 * through `POST /api/v1/messages/send-and-wait`, on one node process, measured alternately in
 * rounds so the shared machine's load hits all three alike.
 */
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SendMessageRequest } from "@a2a-js/sdk";
import { ClientFactory } from "@a2a-js/sdk/client";
import { ensureAgentBuilds } from "./lib/agent-builds.ts";
import { spawnNodeProcess, stopNodeProcess } from "./lib/node-process.ts";
import type { BenchResult, Figure } from "./lib/results.ts";
import { summarize } from "./lib/stats.ts";

type Call = () => Promise<void>;

/** Runs `call` `n` times one after another; the latencies in µs. */
async function sequential(call: Call, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call();
    out.push((performance.now() - t0) * 1000);
  }
  return out;
}

/** Calls per second with `concurrency` callers for `ms`. */
async function concurrent(call: Call, concurrency: number, ms: number): Promise<number> {
  let done = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await call();
        done++;
      }
    }),
  );
  return done / ((performance.now() - t0) / 1000);
}

/** The bridges benchmark (see the module doc). */
export async function bridgesBench(
  opts: { n?: number; rounds?: number; seconds?: number } = {},
): Promise<BenchResult> {
  const n = opts.n ?? 200;
  const rounds = opts.rounds ?? 3;
  const ms = (opts.seconds ?? 2) * 1000;
  await ensureAgentBuilds(["tiny"]);
  const dataDir = await Deno.makeTempDir({ prefix: "fipa-edge-bench-bridges-" });
  const node = await spawnNodeProcess({ name: "bridges", dataDir });
  let mcp: Client | undefined;
  try {
    const form = new FormData();
    form.append("wasm", new Blob([await Deno.readFile("agents/dist/tiny.wasm")]), "tiny.wasm");
    form.append(
      "config",
      JSON.stringify({
        name: "echo",
        manifest: { a2a: { skills: [{ id: "echo", name: "Echo" }] } },
      }),
    );
    const dep = await fetch(`${node.url}/api/v1/agents`, { method: "POST", body: form });
    if (dep.status !== 201) throw new Error(`deploy: ${dep.status} ${await dep.text()}`);
    await dep.body?.cancel();

    const message = { performative: "request", receiver: "echo", content: "ping" };
    const http: Call = async () => {
      const r = await fetch(`${node.url}/api/v1/messages/send-and-wait`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(message),
      });
      const body = await r.json();
      if (body.reply?.content !== "ping") throw new Error(`http: ${JSON.stringify(body)}`);
    };
    mcp = new Client({ name: "bench", version: "1.0.0" });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${node.url}/mcp`)));
    const viaMcp: Call = async () => {
      const r = await mcp!.callTool({ name: "send_and_wait", arguments: { message } });
      const reply = (r.structuredContent as { reply?: { content?: unknown } })?.reply;
      if (r.isError || reply?.content !== "ping") throw new Error(`mcp: ${JSON.stringify(r)}`);
    };
    const a2a = await new ClientFactory().createFromUrl(`${node.url}/a2a/echo/`);
    const viaA2a: Call = async () => {
      const r = await a2a.sendMessage(SendMessageRequest.fromJSON({
        message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text: "ping" }] },
      }));
      if (!("artifacts" in r) || r.artifacts.length !== 1) {
        throw new Error(`a2a: ${JSON.stringify(r)}`);
      }
    };

    const calls = { http, mcp: viaMcp, a2a: viaA2a };
    const lat: Record<keyof typeof calls, number[]> = { http: [], mcp: [], a2a: [] };
    const rps: Record<keyof typeof calls, number> = { http: 0, mcp: 0, a2a: 0 };
    const kinds = Object.keys(calls) as (keyof typeof calls)[];
    for (const k of kinds) await sequential(calls[k], 20); // warm-up
    // Latency: one call of each in turn, so the shared machine's load hits all three alike.
    for (let i = 0; i < n; i++) {
      for (const k of kinds) lat[k].push(...await sequential(calls[k], 1));
    }
    for (let i = 0; i < rounds; i++) {
      for (const k of kinds) rps[k] = Math.max(rps[k], await concurrent(calls[k], 16, ms / rounds));
    }
    const base = summarize(lat.http);
    const figures: Figure[] = [];
    for (
      const [k, label] of [["mcp", "MCP tools/call send_and_wait"], [
        "a2a",
        "A2A SendMessage (blocking task)",
      ]] as const
    ) {
      const s = summarize(lat[k]);
      figures.push({
        name: `${label} → tiny echo → reply, p50 latency (1 caller)`,
        value: Math.round(s.p50),
        unit: "µs",
        baseline: {
          name: "POST /api/v1/messages/send-and-wait (fetch)",
          value: Math.round(base.p50),
          unit: "µs",
        },
        ratio: s.p50 / base.p50,
        note: `ratio = bridge / HTTP (higher is slower); p99 ${Math.round(s.p99)} µs vs ${
          Math.round(base.p99)
        } µs; n=${s.n}`,
      });
      figures.push({
        name: `${label}, calls/s (16 concurrent callers)`,
        value: Math.round(rps[k]),
        unit: "calls/s",
        baseline: {
          name: "POST /api/v1/messages/send-and-wait (fetch, 16 concurrent)",
          value: Math.round(rps.http),
          unit: "req/s",
        },
        ratio: rps[k] / rps.http,
        note: `best of ${rounds} × ${
          Math.round(ms / rounds)
        } ms; client and node share the machine`,
      });
    }
    return {
      id: "bridges",
      title: "Bridges: send-and-wait through MCP and A2A vs the HTTP API",
      figures,
    };
  } finally {
    await mcp?.close().catch(() => {});
    await stopNodeProcess(node);
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}
