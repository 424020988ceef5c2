import type { BenchResult } from "./lib/results.ts";
import {
  machineCpuTicks,
  type NodeProcess,
  processCpuMs,
  spawnNodeProcess,
  stopNodeProcess,
} from "./lib/node-process.ts";
import { startServer } from "./lib/server-process.ts";
import { summarize } from "./lib/stats.ts";

/**
 * The same exchange pattern with nothing of ours in it: this process POSTs 1,400 bytes to a
 * bare peer process (`servers/bare-mtp-peer.ts`), which answers `200` and POSTs 1,400 bytes
 * back to this process's own server; an exchange ends when that arrives. Exchanges/s with
 * `inFlight` under way for `seconds`.
 */
async function bareRate(inFlight: number, seconds: number): Promise<number> {
  const waiting = new Map<string, () => void>();
  const own = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    await req.arrayBuffer();
    waiting.get(req.headers.get("x-id") ?? "")?.();
    return new Response(null);
  });
  const back = `http://127.0.0.1:${own.addr.port}/acc`;
  const peer = await startServer(new URL("./servers/bare-mtp-peer.ts", import.meta.url));
  const body = new Uint8Array(1400);
  let seq = 0;
  const one = async () => {
    const id = String(seq++);
    const arrived = new Promise<void>((resolve) => waiting.set(id, resolve));
    const res = await fetch(`${peer.url}/acc`, {
      method: "POST",
      headers: { "x-id": id, "x-back": back },
      body,
    });
    await res.body?.cancel();
    await arrived;
    waiting.delete(id);
  };
  try {
    for (let i = 0; i < 50; i++) await one();
    let done = 0;
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        await one();
        done++;
      }
    }));
    return done / ((performance.now() - t0) / 1000);
  } finally {
    await peer.stop();
    await own.shutdown();
  }
}

/** One send-and-wait from `node`'s API; resolves with its wall time in ms. */
export async function roundTrip(node: NodeProcess, receiver: unknown): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${node.url}/api/v1/messages/send-and-wait?timeout_ms=10000`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ performative: "request", receiver, content: "ping" }),
  });
  const body = await res.json();
  if (res.status !== 200 || body.reply?.performative !== "inform") {
    throw new Error(`send-and-wait failed: ${res.status} ${JSON.stringify(body)}`);
  }
  return performance.now() - t0;
}

async function sample(node: NodeProcess, receiver: unknown, n: number): Promise<number[]> {
  for (let i = 0; i < 20; i++) await roundTrip(node, receiver); // warm-up
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await roundTrip(node, receiver));
  return out;
}

/** What {@link rate} measured. */
export interface Rate {
  perSecond: number;
  /** p50 of the exchanges' wall times, ms. */
  p50: number;
  /** CPU time of the `cpuOf` processes per exchange, µs. */
  cpuUs: number;
  /** The machine's busy share over the window (all processes, all CPUs), 0–1. */
  machineBusy: number;
  /** The share of the machine's CPU time the `cpuOf` processes used, 0–1. */
  ownShare: number;
}

/**
 * Exchanges per second with `inFlight` send-and-waits always under way for `seconds`
 * (after a short warm-up), the p50 of their wall times in ms, and the CPU time the node
 * processes `cpuOf` used per exchange.
 */
export async function rate(
  node: NodeProcess,
  receiver: unknown,
  inFlight: number,
  seconds: number,
  cpuOf: NodeProcess[],
): Promise<Rate> {
  await Promise.all(Array.from({ length: inFlight }, () => roundTrip(node, receiver)));
  const cpu = () => cpuOf.reduce((sum, n) => sum + processCpuMs(n.child.pid), 0);
  const times: number[] = [];
  const cpu0 = cpu();
  const m0 = machineCpuTicks();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < end) times.push(await roundTrip(node, receiver));
  }));
  return {
    perSecond: times.length / ((performance.now() - t0) / 1000),
    p50: summarize(times).p50,
    ...(() => {
      const used = cpu() - cpu0;
      const m1 = machineCpuTicks();
      const total = Math.max(1, m1.total - m0.total);
      return {
        cpuUs: used * 1000 / times.length,
        machineBusy: (m1.busy - m0.busy) / total,
        ownShare: used / 10 / total,
      };
    })(),
  };
}

/**
 * A request/reply between two platforms over the HTTP MTP (`alpha`'s API → `echo@beta` at
 * beta's `/acc` → the reply back to alpha's `/acc`), in the string and the XML
 * representation, against the same send-and-wait to a local `echo` on one node, measured
 * in the same run (sequential, p50 of `n` round trips each, after a warm-up).
 */
export async function mtpBench(
  opts: { n?: number; inFlight?: number; seconds?: number } = {},
): Promise<BenchResult> {
  const n = opts.n ?? 200;
  const inFlight = opts.inFlight ?? 16;
  const seconds = opts.seconds ?? 3;
  const dirs = [await Deno.makeTempDir(), await Deno.makeTempDir()];
  const alpha = await spawnNodeProcess({ name: "a1", platform: "alpha", dataDir: dirs[0] });
  const beta = await spawnNodeProcess({
    name: "b1",
    platform: "beta",
    dataDir: dirs[1],
    sampleAgents: true,
  });
  try {
    const acc = `${beta.url}/acc`;
    const local = summarize(await sample(beta, "echo", n));
    const str = summarize(await sample(alpha, { name: "echo@beta", addresses: [acc] }, n));
    const xml = summarize(
      await sample(alpha, {
        name: "echo@beta",
        addresses: [acc],
        user_params: { "X-acl-representation": "fipa.acl.rep.xml.std" },
      }, n),
    );
    const foreign = { name: "echo@beta", addresses: [acc] };
    const localRate = await rate(beta, "echo", inFlight, seconds, [beta]);
    const mtpRate = await rate(alpha, foreign, inFlight, seconds, [alpha, beta]);
    const mtpOne = await rate(alpha, foreign, 1, seconds, [alpha, beta]);
    const bare = await bareRate(inFlight, seconds);
    const baseline = {
      name: "send-and-wait to echo on one node (p50)",
      value: local.p50,
      unit: "ms",
    };
    const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
    const note = (s: typeof local) =>
      `ratio = MTP p50 / local p50 (lower is better); p90 ${s.p90.toFixed(2)} ms, p99 ${
        s.p99.toFixed(2)
      } ms; local p90 ${local.p90.toFixed(2)} ms; n=${n}`;
    return {
      id: "mtp",
      title: "HTTP MTP: a round trip between two platforms vs send-and-wait on one node",
      figures: [
        {
          name: "request → echo@beta → inform over the MTP, string ACL (p50)",
          value: str.p50,
          unit: "ms",
          baseline,
          ratio: str.p50 / local.p50,
          note: note(str),
        },
        {
          name: "request → echo@beta → inform over the MTP, XML ACL (p50)",
          value: xml.p50,
          unit: "ms",
          baseline,
          ratio: xml.p50 / local.p50,
          note: note(xml),
        },
        {
          name: `MTP request → reply exchanges/s from another platform, ${inFlight} in flight ` +
            "(string ACL)",
          value: mtpRate.perSecond,
          unit: "exchanges/s",
          baseline: {
            name: `send-and-wait to echo on one node, ${inFlight} in flight`,
            value: localRate.perSecond,
            unit: "req/s",
          },
          ratio: mtpRate.perSecond / localRate.perSecond,
          goal: "≥ 6,392/s (JADE 4.6.5 on the issue's machine), p50 ≤ 2.3 ms",
          note: `p50 ${mtpRate.p50.toFixed(2)} ms (local ${localRate.p50.toFixed(2)} ms); ` +
            `alpha's API (fetch, ${inFlight} concurrent) → beta's /acc → reply to alpha's /acc; ` +
            `${seconds} s each; client and both nodes share the machine`,
        },
        {
          name: `MTP exchanges/s vs a bare Deno fetch ↔ Deno.serve exchange, ${inFlight} in flight`,
          value: mtpRate.perSecond,
          unit: "exchanges/s",
          baseline: {
            name: "POST to a bare peer that POSTs back (two processes)",
            value: bare,
            unit: "exchanges/s",
          },
          ratio: mtpRate.perSecond / bare,
          note: "the bare pair does the same HTTP legs (a POST each way, 1,400 bytes) and " +
            "nothing else: no API, multipart, envelope, ACL, agent or history",
        },
        {
          name: `MTP exchanges/s, ${inFlight} in flight vs 1 in flight`,
          value: mtpRate.perSecond,
          unit: "exchanges/s",
          baseline: { name: "1 in flight", value: mtpOne.perSecond, unit: "exchanges/s" },
          ratio: mtpRate.perSecond / mtpOne.perSecond,
          note: `1 in flight: p50 ${mtpOne.p50.toFixed(2)} ms. A ratio near 1 with the CPU ` +
            "figure below near the machine's share means CPU-bound, not serialized",
        },
        {
          name: `CPU time per MTP exchange, both nodes, ${inFlight} in flight`,
          value: mtpRate.cpuUs,
          unit: "µs",
          baseline: {
            name: `CPU time per local send-and-wait (the node), ${inFlight} in flight`,
            value: localRate.cpuUs,
            unit: "µs",
          },
          ratio: mtpRate.cpuUs / localRate.cpuUs,
          note: `user + system time of the node processes (all threads, 10 ms ticks) over ` +
            `the timed ${seconds} s, per exchange; 1 in flight: ${mtpOne.cpuUs.toFixed(0)} µs. ` +
            `Machine busy ${pct(mtpRate.machineBusy)} (1 in flight ${pct(mtpOne.machineBusy)}), ` +
            `the nodes' share of it ${pct(mtpRate.ownShare)} (${pct(mtpOne.ownShare)})`,
        },
      ],
    };
  } finally {
    await Promise.all([stopNodeProcess(alpha), stopNodeProcess(beta)]);
    for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
  }
}
