/**
 * The agent → agent hop and tracked FIPA Request conversations in one process, for
 * profiling (`deno run -A --cpu-prof bench/profile-hop.ts [n] [seconds]`): p50 of
 * node → echo → node and node → forwarder → echo → node (their difference is one hop),
 * and tracked vs untracked request/reply pairs per second with 64 in flight, plus the
 * main thread's CPU per operation.
 * @module
 */
import { watAgentBytes } from "../agents/build/mod.ts";
import { prober, startBenchNode } from "./lib/bench-node.ts";
import { forwarderBytes } from "./lib/forwarder.ts";
import { threadCpuMs } from "./lib/node-process.ts";
import { summarize } from "./lib/stats.ts";

/** CPU µs per op by thread name since `c0` (10 ms ticks of /proc). */
function cpuSince(c0: Map<string, number>, ops: number): string {
  const c1 = threadCpuMs(Deno.pid);
  return [...c1].map(([k, v]) => [k, ((v - (c0.get(k) ?? 0)) * 1000) / ops] as const)
    .filter(([, us]) => us >= 0.5).sort((a, b) => b[1] - a[1])
    .map(([k, us]) => `${k} ${us.toFixed(1)}`).join(", ");
}

const n = Number(Deno.args[0] ?? 3000);
const seconds = Number(Deno.args[1] ?? 3);
/**
 * `hop`: only the two latency paths; `tracked` / `untracked`: only that rate (64 in flight);
 * default: everything.
 */
const only = Deno.args[2];

const bn = await startBenchNode({ name: "bench-hop" });
const p = prober(bn.node);
try {
  await bn.deploy(await watAgentBytes("tiny"), "echo");
  await bn.deploy(await forwarderBytes("echo"), "fwd-list", { network: ["echo"] });
  const p50: Record<string, number> = {};
  for (const to of only === undefined || only === "hop" ? ["echo", "fwd-list"] : []) {
    for (let i = 0; i < 300; i++) await p.ask(to);
    const s: number[] = [];
    const c0 = threadCpuMs(Deno.pid);
    for (let i = 0; i < n; i++) s.push(await p.ask(to));
    const cpu = cpuSince(c0, n);
    const st = summarize(s);
    p50[to] = st.p50;
    console.log(
      `${to}: p50 ${st.p50.toFixed(1)} µs, p99 ${st.p99.toFixed(1)} µs, CPU µs/op: ${cpu}`,
    );
  }
  if (only === undefined || only === "hop") {
    console.log(`hop: ${(p50["fwd-list"] - p50["echo"]).toFixed(1)} µs`);
  }
  const rate = async (protocol?: string) => {
    let done = 0;
    const until = performance.now() + seconds * 1000;
    const t0 = performance.now();
    const c0 = threadCpuMs(Deno.pid);
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (performance.now() < until) {
        await p.ask("echo", { conversation: protocol !== undefined, protocol });
        done++;
      }
    }));
    return {
      rps: (done * 1000) / (performance.now() - t0),
      cpu: cpuSince(c0, done),
      ops: done,
    };
  };
  if (only === "tracked" || only === "untracked") {
    // One kind alone, for a profile of it.
    const protocol = only === "tracked" ? "fipa-request" : undefined;
    await rate(protocol);
    const r = await rate(protocol);
    console.log(`${only} ${Math.round(r.rps)}/s (CPU µs/op: ${r.cpu}), ${r.ops} ops`);
  } else if (only !== "hop") {
    await rate();
    await rate("fipa-request");
    const bare = await rate();
    const full = await rate("fipa-request");
    console.log(
      `untracked ${Math.round(bare.rps)}/s (CPU µs/op: ${bare.cpu}), ` +
        `tracked ${Math.round(full.rps)}/s (CPU µs/op: ${full.cpu}), ratio ${
          (full.rps / bare.rps).toFixed(2)
        }`,
    );
  }
} finally {
  p.close();
  await bn.stop();
}
