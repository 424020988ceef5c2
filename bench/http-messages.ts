import type { BenchResult } from "./lib/results.ts";
import { compareServers } from "./lib/wrk-compare.ts";
import { MESSAGES_BODY as BODY } from "./lib/sample-content.ts";

/**
 * `POST /api/v1/messages` requests per second against a bare `Deno.serve` handler that
 * reads the same JSON body, each server pinned to CPU 0 and wrk (64 connections) to CPU 1,
 * measured alternately in the same run; the best of `rounds` for each. The node serves the
 * route as a node does (metrics, audit trail, conversation service with its history in
 * Deno KV; `bench/servers/node.ts`), and once more with the route and createApp's own
 * middlewares only (`route-only`, the setup of earlier figures).
 */
export async function httpMessagesBench(
  opts: { seconds?: number; rounds?: number } = {},
): Promise<BenchResult> {
  const seconds = opts.seconds ?? 5;
  const rounds = opts.rounds ?? 2;
  const r = await compareServers(
    [
      { name: "bare", script: new URL("./servers/bare.ts", import.meta.url) },
      { name: "node", script: new URL("./servers/node.ts", import.meta.url) },
      {
        name: "route",
        script: new URL("./servers/node.ts", import.meta.url),
        args: ["route-only"],
      },
    ],
    { path: "/api/v1/messages", body: BODY },
    { seconds, rounds },
  );
  const best = {
    bare: { rps: r.bare.rps, p50: r.bare.p50Ms, p99: r.bare.p99Ms },
    node: { rps: r.node.rps, p50: r.node.p50Ms, p99: r.node.p99Ms },
    route: { rps: r.route.rps, p50: r.route.p50Ms, p99: r.route.p99Ms },
  };
  return {
    id: "http-messages",
    title: "HTTP: POST /api/v1/messages vs bare Deno.serve",
    figures: [
      {
        name: "POST /api/v1/messages (JSON, 430-byte body), as a node serves it",
        value: best.node.rps,
        unit: "req/s",
        baseline: { name: "bare Deno.serve + req.json()", value: best.bare.rps, unit: "req/s" },
        ratio: best.node.rps / best.bare.rps,
        goal: "≥ 0.7",
        note:
          `p50 ${best.node.p50} ms, p99 ${best.node.p99} ms (bare: p50 ${best.bare.p50} ms, p99 ${best.bare.p99} ms)`,
      },
      {
        name: "POST /api/v1/messages, CPU time per request (server process, all threads)",
        value: r.node.cpuUs,
        unit: "µs",
        baseline: { name: "bare Deno.serve + req.json()", value: r.bare.cpuUs, unit: "µs" },
        ratio: r.bare.cpuUs / r.node.cpuUs,
        goal: "≥ 0.7",
        note: "ratio = bare / node (the throughput ratio a CPU-bound server would reach); " +
          "least of the rounds, in 10 ms ticks of /proc; steadier than req/s on a shared machine; " +
          "metrics, audit trail, conversation service (history in Deno KV) as a node runs them",
      },
      {
        name: "same, route and createApp's own middlewares only (no metrics, audit, conversations)",
        value: r.route.cpuUs,
        unit: "µs",
        baseline: { name: "bare Deno.serve + req.json()", value: r.bare.cpuUs, unit: "µs" },
        ratio: r.bare.cpuUs / r.route.cpuUs,
        note: `${Math.round(best.route.rps)} req/s, p50 ${best.route.p50} ms, ` +
          `p99 ${best.route.p99} ms; the setup of the figures before 2026-12-07`,
      },
    ],
  };
}
