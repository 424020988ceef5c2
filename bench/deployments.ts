/**
 * Issue 16, deployments: the cost of a weighted name. Send-and-wait (every message a new
 * conversation: the split and the conversation affinity on every message) to an agent under
 * a canary at 0 % (the routing hook alone: every message still goes to the old instance)
 * and at 50 % (two instances taking turns), against the same agent without one (the
 * baseline), in the same node, alternating blocks so that drift of the shared machine falls
 * on all three.
 * @module
 */
import { deployOverHttp } from "./lib/http-deploy.ts";
import { spawnNodeProcess, stopNodeProcess } from "./lib/node-process.ts";
import type { BenchResult } from "./lib/results.ts";
import { summarize } from "./lib/stats.ts";

const DIST = new URL("../agents/dist/", import.meta.url);

/** Knobs of {@link deploymentsBench}. */
export interface DeploymentsBenchOptions {
  /** Round trips per name (default 3000), in blocks of `block` (default 100). */
  roundTrips?: number;
  block?: number;
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

async function roundTrip(url: string, receiver: string, i: number): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/v1/messages/send-and-wait?timeout_ms=10000`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      performative: "request",
      receiver,
      content: `m${i}`,
      conversation_id: `${receiver}-${i}-${crypto.randomUUID()}`,
    }),
  });
  await res.text();
  if (res.status !== 200) throw new Error(`send-and-wait to ${receiver}: ${res.status}`);
  return performance.now() - t0;
}

/** Runs the benchmark: median send-and-wait of a weighted name vs a plain one. */
export async function deploymentsBench(o: DeploymentsBenchOptions = {}): Promise<BenchResult> {
  const total = o.roundTrips ?? 3000;
  const block = o.block ?? 100;
  const dataDir = await Deno.makeTempDir({ prefix: "fipa-edge-bench-deployments-" });
  const node = await spawnNodeProcess({ name: "bench", dataDir });
  try {
    const echo = await Deno.readFile(new URL("tiny.wasm", DIST));
    await deployOverHttp(node.url, echo, "plain");
    await deployOverHttp(node.url, echo, "hooked");
    await deployOverHttp(node.url, echo, "weighted");
    // Another build of the same echo (one custom section more) as the canary.
    const next = new Uint8Array([...echo, 0, 4, 1, 0x76, 0x32, 0x32]);
    for (const [agent, percentage] of [["hooked", 0], ["weighted", 50]] as const) {
      const res = await fetch(`${node.url}/api/v1/deployments`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          agent_id: agent,
          wasm_module: base64(next),
          strategy: {
            type: "canary",
            stages: [{ percentage, duration: "1h" }, { percentage: 100, duration: "0" }],
          },
        }),
      });
      if (res.status !== 201) throw new Error(`canary: ${res.status} ${await res.text()}`);
      await res.body?.cancel();
    }
    const names = ["plain", "hooked", "weighted"] as const;
    const times: Record<string, number[]> = { plain: [], hooked: [], weighted: [] };
    for (let i = 0; i < 200; i++) for (const n of names) await roundTrip(node.url, n, i);
    for (let done = 0; done < total; done += block) {
      for (const n of names) {
        for (let i = 0; i < block; i++) times[n].push(await roundTrip(node.url, n, done + i));
      }
    }
    const p = summarize(times.plain);
    const h = summarize(times.hooked);
    const w = summarize(times.weighted);
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    return {
      id: "deployments",
      title: "Deployments: routing overhead of a weighted (canary) name",
      figures: [
        {
          name: "send-and-wait to a name under a 0 % canary (the routing hook), median",
          value: r3(h.p50),
          unit: "ms",
          baseline: { name: "the same to a plain name, median", value: r3(p.p50), unit: "ms" },
          ratio: r3(h.p50 / p.p50),
          goal: "≤ 1.05",
          note: `p99 ${r3(h.p99)} ms vs ${r3(p.p99)} ms; ${total} round trips each, ` +
            `alternating blocks of ${block}`,
        },
        {
          name: "send-and-wait to a name under a 50 % canary (two instances), median",
          value: r3(w.p50),
          unit: "ms",
          baseline: { name: "the same to a plain name, median", value: r3(p.p50), unit: "ms" },
          ratio: r3(w.p50 / p.p50),
          goal: "≤ 1.05 (includes two instances taking turns, not only routing)",
          note: `p99 ${r3(w.p99)} ms vs ${r3(p.p99)} ms; ${total} round trips each, ` +
            `alternating blocks of ${block}`,
        },
      ],
    };
  } finally {
    await stopNodeProcess(node);
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}
