import type { BenchResult } from "./lib/results.ts";
import { type NodeProcess, spawnNodeProcess, stopNodeProcess } from "./lib/node-process.ts";
import { summarize } from "./lib/stats.ts";

/** One send-and-wait from `node`'s API; resolves with its wall time in ms. */
async function roundTrip(node: NodeProcess, receiver: unknown): Promise<number> {
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

/**
 * Exchanges per second with `inFlight` send-and-waits always under way for `seconds`
 * (after a short warm-up), and the p50 of their wall times in ms.
 */
async function rate(
  node: NodeProcess,
  receiver: unknown,
  inFlight: number,
  seconds: number,
): Promise<{ perSecond: number; p50: number }> {
  await Promise.all(Array.from({ length: inFlight }, () => roundTrip(node, receiver)));
  const times: number[] = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < end) times.push(await roundTrip(node, receiver));
  }));
  return {
    perSecond: times.length / ((performance.now() - t0) / 1000),
    p50: summarize(times).p50,
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
    const localRate = await rate(beta, "echo", inFlight, seconds);
    const mtpRate = await rate(alpha, { name: "echo@beta", addresses: [acc] }, inFlight, seconds);
    const baseline = {
      name: "send-and-wait to echo on one node (p50)",
      value: local.p50,
      unit: "ms",
    };
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
      ],
    };
  } finally {
    await Promise.all([stopNodeProcess(alpha), stopNodeProcess(beta)]);
    for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
  }
}
