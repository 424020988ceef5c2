/**
 * Cost growth with the number of agents receiving load: the same send-and-wait load (wrk,
 * 64 connections) spread round-robin over 1, 10, 100 and 1,000 deployed tiny echo agents of
 * one node, each count in a fresh node process (server on CPU 0, wrk on CPU 1). The
 * baseline of every row is the 1-agent node measured in the same run.
 * @module
 */
import { ensureAgentBuilds } from "./lib/agent-builds.ts";
import type { BenchResult, Figure } from "./lib/results.ts";
import { startServer } from "./lib/server-process.ts";
import { ensureWrk, wrkPost } from "./lib/wrk.ts";
import { SAMPLE_CONTENT } from "./lib/sample-content.ts";

const SERVER = new URL("./servers/agents-node.ts", import.meta.url);

function body(receiver: string): string {
  return JSON.stringify({
    performative: "request",
    receiver,
    content: SAMPLE_CONTENT,
    language: "json",
  });
}

interface Row {
  agents: number;
  rps: number;
  p50: number;
  p99: number;
  deployMs: number;
  rssBytes: number;
}

async function measure(agents: number, seconds: number): Promise<Row> {
  const two = navigator.hardwareConcurrency >= 2;
  const server = await startServer(SERVER, two ? 0 : undefined, { args: [String(agents)] });
  try {
    const [, , ms, rss] = server.banner.match(/DEPLOYED (\d+) ([\d.]+) (-?\d+)/) ?? [];
    const bodies = Array.from({ length: agents }, (_, i) => body(`echo${i}`));
    const load = (s: number) =>
      wrkPost({
        url: `${server.url}/api/v1/messages/send-and-wait`,
        body: bodies[0],
        bodies,
        contentType: "application/json",
        seconds: s,
        cpu: two ? 1 : undefined,
      });
    await load(1);
    const r = await load(seconds);
    if (r.non2xx > 0) throw new Error(`${agents} agents: ${r.non2xx} non-2xx responses`);
    return {
      agents,
      rps: r.rps,
      p50: r.latencyP50Ms,
      p99: r.latencyP99Ms,
      deployMs: Number(ms),
      rssBytes: Number(rss),
    };
  } finally {
    await server.stop();
  }
}

/** Runs the agent-count benchmark; about a minute with the defaults. */
export async function agentLoadBench(
  opts: { counts?: number[]; seconds?: number } = {},
): Promise<BenchResult> {
  await ensureWrk();
  await ensureAgentBuilds(["tiny"]);
  const counts = opts.counts ?? [1, 10, 100, 1000];
  const rows: Row[] = [];
  for (const n of counts) {
    rows.push(await measure(n, opts.seconds ?? 5));
    console.error(`  agent-load: ${n} agents: ${Math.round(rows.at(-1)!.rps)} req/s`);
  }
  const one = rows[0];
  const base = { name: `${one.agents} agent`, value: one.rps, unit: "req/s" };
  const figures: Figure[] = rows.map((r) => ({
    name: `send-and-wait spread over ${r.agents.toLocaleString("en-US")} tiny agent` +
      (r.agents === 1 ? "" : "s"),
    value: r.rps,
    unit: "req/s",
    baseline: base,
    ratio: r.rps / one.rps,
    goal: "0.8–1.2, p99 ≤ 2× the 1-agent p99",
    note: `p50 ${r.p50} ms, p99 ${r.p99} ms (p99 ${(r.p99 / one.p99).toFixed(2)}× the ` +
      `1-agent p99); deploying them (in process, one component: the first deploy compiles it) took ` +
      `${Math.round(r.deployMs)} ms, RSS +${(r.rssBytes / 2 ** 20).toFixed(0)} MiB; ` +
      `64 connections, round-robin over the agents; server on CPU 0, wrk on CPU 1`,
  }));
  return {
    id: "agent-load",
    title: "Cost growth: send-and-wait over 1 to 1,000 agents",
    figures,
  };
}
