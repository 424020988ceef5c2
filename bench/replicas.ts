/**
 * Issue 16, replicas: throughput of a stateless agent run as 3 instances (one per node) vs
 * the same agent as 1 instance, on a 3-node cluster of real node processes, in the same run.
 * The agent (`agents/tiny/burn.wat`) spends a few ms of CPU per message, so one instance
 * (one Worker thread on one node) is what limits the single name. Clients send
 * send-and-wait requests (each a new conversation) to the three nodes in turn, `clients`
 * at a time; the names take turns in blocks of `seconds` (alternating, so drift of the
 * shared machine falls on both), and each name's throughput is the median of its blocks.
 * @module
 */
import { ensureAgentBuilds } from "./lib/agent-builds.ts";
import { startFipaCluster } from "./lib/fipa-cluster.ts";
import { deployOverHttp } from "./lib/http-deploy.ts";
import { processCpuMs } from "./lib/node-process.ts";
import type { BenchResult } from "./lib/results.ts";
import { summarize } from "./lib/stats.ts";

/** Knobs of {@link replicasBench}. */
export interface ReplicasBenchOptions {
  /** Seconds per block (default 5). */
  seconds?: number;
  /** Blocks per name (default 4). */
  blocks?: number;
  /** Requests in flight (default 12). */
  clients?: number;
}

async function ask(url: string, receiver: string, i: number, content: string): Promise<void> {
  const res = await fetch(`${url}/api/v1/messages/send-and-wait?timeout_ms=30000`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      performative: "request",
      receiver,
      content,
      conversation_id: `${receiver}-${i}-${crypto.randomUUID()}`,
    }),
  });
  await res.text();
  if (res.status !== 200) throw new Error(`send-and-wait to ${receiver}: ${res.status}`);
}

/** Answered requests per second to `receiver` over `seconds`, `clients` at a time. */
async function block(
  urls: string[],
  receiver: string,
  seconds: number,
  clients: number,
  content = "x",
) {
  let done = 0;
  let next = 0;
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < until) {
      const i = next++;
      await ask(urls[i % urls.length], receiver, i, content);
      done++;
    }
  }));
  return done / ((performance.now() - t0) / 1000);
}

async function waitRunning(url: string, agent: string, n: number): Promise<void> {
  const until = performance.now() + 60_000;
  while (performance.now() < until) {
    const v = await (await fetch(`${url}/api/v1/agents/${agent}`)).json();
    const all = (v.instances ?? []) as { state: string }[];
    if (all.length === n && all.every((i) => i.state === "running")) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${agent}: ${n} instances did not all run`);
}

/**
 * Alternating blocks of the two names: the median rate of each, and the CPU time of the
 * three node processes per answered request (all blocks of the name together).
 */
async function compare(
  urls: string[],
  pids: number[],
  o: Required<ReplicasBenchOptions>,
  content: string,
  names: [string, string],
) {
  for (const name of names) await block(urls, name, 1, o.clients, content);
  const rates: number[][] = [[], []];
  const cpu = [0, 0];
  const answered = [0, 0];
  const cpuNow = () => pids.reduce((s, p) => s + processCpuMs(p), 0);
  for (let b = 0; b < o.blocks; b++) {
    for (const k of b % 2 ? [1, 0] : [0, 1]) {
      const c0 = cpuNow();
      const t0 = performance.now();
      const rate = await block(urls, names[k], o.seconds, o.clients, content);
      cpu[k] += cpuNow() - c0;
      answered[k] += rate * (performance.now() - t0) / 1000;
      rates[k].push(rate);
    }
  }
  return rates.map((r, k) => ({ rate: summarize(r).p50, cpuMs: cpu[k] / answered[k] }));
}

/** Runs the benchmark: requests per second of 3 replicas vs 1. */
export async function replicasBench(opts: ReplicasBenchOptions = {}): Promise<BenchResult> {
  const o = { seconds: opts.seconds ?? 5, blocks: opts.blocks ?? 4, clients: opts.clients ?? 12 };
  await ensureAgentBuilds(["tiny-burn", "tiny-fetch"]);
  const dist = new URL("../agents/dist/", import.meta.url);
  const burn = await Deno.readFile(new URL("tiny-burn.wasm", dist));
  const fetcher = await Deno.readFile(new URL("tiny-fetch.wasm", dist));
  // What the I/O-bound agent calls: a service answering each request after 20 ms.
  const slow = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async () => {
    await new Promise((r) => setTimeout(r, 20));
    return new Response("ok");
  });
  const cluster = await startFipaCluster("replbench", {
    args: ["--agent-net-allow", "127.0.0.1"],
  });
  try {
    const urls = cluster.nodes.map((n) => n.url);
    const stateless = { manifest: { stateless: true } };
    await deployOverHttp(urls[0], burn, "burn1", stateless);
    await deployOverHttp(urls[0], burn, "burn3", { ...stateless, replicas: 3 });
    const grant = {
      manifest: { stateless: true, net: [`127.0.0.1:${slow.addr.port}`] },
      limits: { http_rate: 10_000 },
    };
    await deployOverHttp(urls[0], fetcher, "io1", grant);
    await deployOverHttp(urls[0], fetcher, "io3", { ...grant, replicas: 3 });
    await waitRunning(urls[0], "burn3", 3);
    await waitRunning(urls[0], "io3", 3);
    const load0 = Deno.loadavg()[0];
    const pids = cluster.nodes.map((n) => n.child.pid);
    const [io1, io3] = await compare(urls, pids, o, `http://127.0.0.1:${slow.addr.port}/`, [
      "io1",
      "io3",
    ]);
    const [cpu1, cpu3] = await compare(urls, pids, o, "x", ["burn1", "burn3"]);
    const load1 = Deno.loadavg()[0];
    const r1 = (x: number) => Math.round(x * 10) / 10;
    const r2 = (x: number) => Math.round(x * 100) / 100;
    const nodes = ((await (await fetch(`${urls[0]}/api/v1/agents/io3`)).json()).instances as {
      node: string;
    }[]).map((i) => i.node).join(", ");
    const how = `${o.blocks} blocks of ${o.seconds} s per name, alternating, ${o.clients} ` +
      `requests in flight spread over the 3 nodes, each a new conversation; instances on ` +
      `${nodes}; load average ${load0.toFixed(2)} → ${load1.toFixed(2)} on ` +
      `${navigator.hardwareConcurrency} cores`;
    return {
      id: "replicas",
      title: "Replicas: throughput of a 3-instance stateless agent vs 1 on 3 nodes",
      figures: [
        {
          name: "req/s, 3 replicas of an agent that calls a 20 ms service per message",
          value: r1(io3.rate),
          unit: "req/s",
          baseline: { name: "the same agent as 1 instance", value: r1(io1.rate), unit: "req/s" },
          ratio: r2(io3.rate / io1.rate),
          goal: "≥ 2",
          note: `agent: tiny-fetch (an instance handles one message at a time); ${how}`,
        },
        {
          name: "req/s, 3 replicas of an agent that burns CPU per message",
          value: r1(cpu3.rate),
          unit: "req/s",
          baseline: { name: "the same agent as 1 instance", value: r1(cpu1.rate), unit: "req/s" },
          ratio: r2(cpu3.rate / cpu1.rate),
          goal: "≥ 2 (needs 3 free cores: bounded by the machine's CPU)",
          note: `agent: tiny-burn (2,000,000 hash rounds per message); ${how}`,
        },
        {
          name: "CPU ms of the 3 node processes per answered request, 3 replicas (CPU-bound agent)",
          value: r2(cpu3.cpuMs),
          unit: "ms",
          baseline: { name: "the same agent as 1 instance", value: r2(cpu1.cpuMs), unit: "ms" },
          ratio: r2(cpu3.cpuMs / cpu1.cpuMs),
          goal: "≈ 1 (spreading costs no CPU)",
          note: `I/O-bound agent: ${r2(io3.cpuMs)} ms vs ${r2(io1.cpuMs)} ms; ${how}`,
        },
      ],
    };
  } finally {
    await cluster.stop();
    await slow.shutdown();
  }
}
