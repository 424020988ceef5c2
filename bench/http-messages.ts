import { startServer } from "./lib/server-process.ts";
import type { BenchResult } from "./lib/results.ts";
import { ensureWrk, wrkPost } from "./lib/wrk.ts";

const BODY = JSON.stringify({
  performative: "request",
  sender: "client_001",
  receiver: "sink",
  content: { action: "process", data: { key: "value", list: [1, 2, 3], text: "x".repeat(200) } },
  conversation_id: "conv_789",
  reply_with: "msg_001",
  language: "json",
  protocol: "fipa-request",
});

/**
 * `POST /api/v1/messages` requests per second against a bare `Deno.serve` handler that
 * reads the same JSON body, each server pinned to CPU 0 and wrk (64 connections) to CPU 1,
 * measured alternately in the same run; the best of `rounds` for each.
 */
export async function httpMessagesBench(
  opts: { seconds?: number; rounds?: number } = {},
): Promise<BenchResult> {
  await ensureWrk();
  const seconds = opts.seconds ?? 5;
  const rounds = opts.rounds ?? 2;
  const cpus = navigator.hardwareConcurrency >= 2;
  const best = { bare: { rps: 0, p50: 0, p99: 0 }, node: { rps: 0, p50: 0, p99: 0 } };
  for (let i = 0; i < rounds; i++) {
    for (const kind of ["bare", "node"] as const) {
      const server = await startServer(
        new URL(`./servers/${kind}.ts`, import.meta.url),
        cpus ? 0 : undefined,
      );
      try {
        const url = `${server.url}/api/v1/messages`;
        await wrkPost({
          url,
          body: BODY,
          contentType: "application/json",
          seconds: 1,
          cpu: cpus ? 1 : undefined,
        });
        const r = await wrkPost({
          url,
          body: BODY,
          contentType: "application/json",
          seconds,
          cpu: cpus ? 1 : undefined,
        });
        if (r.non2xx > 0) throw new Error(`${kind}: ${r.non2xx} non-2xx responses`);
        if (r.rps > best[kind].rps) {
          best[kind] = { rps: r.rps, p50: r.latencyP50Ms, p99: r.latencyP99Ms };
        }
      } finally {
        await server.stop();
      }
    }
  }
  return {
    id: "http-messages",
    title: "HTTP: POST /api/v1/messages vs bare Deno.serve",
    figures: [
      {
        name: "POST /api/v1/messages (JSON, 430-byte body)",
        value: best.node.rps,
        unit: "req/s",
        baseline: { name: "bare Deno.serve + req.json()", value: best.bare.rps, unit: "req/s" },
        ratio: best.node.rps / best.bare.rps,
        goal: "≥ 0.7",
        note:
          `p50 ${best.node.p50} ms, p99 ${best.node.p99} ms (bare: p50 ${best.bare.p50} ms, p99 ${best.bare.p99} ms)`,
      },
    ],
  };
}
