/**
 * Quick measurements of the sandbox (not a test): transpile time, activation time of the
 * tiny agent, message round trip main → Worker → agent → main, agent-to-agent hop, and
 * memory per idle tiny agent.
 *
 *     deno run -A runtime/sandbox/measure.ts [--agents 1000] [--big]
 *
 * `--big` also transpiles the ComponentizeJS echo (agents/dist or built on demand).
 * @module
 */
import { type AclMessage, aid } from "../acl/mod.ts";
import { sampleBytes, watAgentBytes } from "../../agents/build/mod.ts";
import { ComponentStore } from "./component-store.ts";
import { Sandbox } from "./sandbox.ts";
import type { AgentHandle } from "./agent-handle.ts";

const args = Deno.args;
const agents = Number(args[args.indexOf("--agents") + 1]) || 1000;
const big = args.includes("--big");

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
}
const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;

const dir = await Deno.makeTempDir({ prefix: "fipa-measure-" });
const store = new ComponentStore({ dir });
const sandbox = new Sandbox({ store, nodeId: "n1" });
try {
  let t0 = performance.now();
  const tiny = await store.load(await watAgentBytes("tiny"));
  console.log(
    `load tiny (transpile ${tiny.info.transpileMs} ms, incl. reference world): ${
      (performance.now() - t0).toFixed(0)
    } ms`,
  );
  if (big) {
    const bytes = await sampleBytes("echo");
    t0 = performance.now();
    const r = await store.load(bytes);
    console.log(
      `load ComponentizeJS echo (${
        (bytes.length / 1e6).toFixed(1)
      } MB): transpile ${r.info.transpileMs} ms, total ${(performance.now() - t0).toFixed(0)} ms`,
    );
  }

  await sandbox.warmUp();
  const msg = (to: string): AclMessage => ({
    performative: "request",
    sender: aid("client@n1"),
    receivers: [aid(to)],
    content: "ping",
  });

  // Activation (warm Workers).
  const act: number[] = [];
  const handles: AgentHandle[] = [];
  for (let i = 0; i < 100; i++) {
    t0 = performance.now();
    handles.push(
      await sandbox.activate({ agentId: `a${i}@n1`, hash: tiny.hash, host: { onSend: () => {} } }),
    );
    act.push(performance.now() - t0);
  }
  console.log(
    `activate tiny: p50 ${(pct(act, 0.5)).toFixed(2)} ms, p90 ${(pct(act, 0.9)).toFixed(2)} ms`,
  );

  // Round trip main → Worker → agent (+ its reply back as an effect).
  const echo = handles[0];
  for (let i = 0; i < 500; i++) await echo.deliver(msg("a0@n1"));
  const rt: number[] = [];
  for (let i = 0; i < 5000; i++) {
    t0 = performance.now();
    await echo.deliver(msg("a0@n1"));
    rt.push(performance.now() - t0);
  }
  console.log(`deliver round trip (sequential): p50 ${us(pct(rt, 0.5))}, p99 ${us(pct(rt, 0.99))}`);
  t0 = performance.now();
  const n = 20_000;
  let next = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next++ < n) await handles[next % 32].deliver(msg("x@n1"));
  }));
  console.log(
    `deliver pipelined (64 in flight, 32 agents): ${
      (n / ((performance.now() - t0) / 1000)).toFixed(0)
    } msg/s`,
  );

  // Agent to agent: a's reply is routed by a trivial router to b, which handles it.
  let handled: (() => void) | undefined;
  const bAgent = await sandbox.activate({
    agentId: "b@n1",
    hash: tiny.hash,
    host: { onSend: () => {} },
  });
  const aAgent = await sandbox.activate({
    agentId: "a@n1",
    hash: tiny.hash,
    host: {
      onSend: (m) => {
        const t1 = performance.now();
        void bAgent.deliver(m).then(() => {
          hops.push(performance.now() - t1);
          handled?.();
        });
      },
    },
  });
  const hops: number[] = [];
  const chain: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const done = new Promise<void>((r) => (handled = r));
    t0 = performance.now();
    await aAgent.deliver({ ...msg("a@n1"), sender: aid("b@n1") });
    await done;
    chain.push(performance.now() - t0);
  }
  console.log(
    `agent → agent: a's message handled by b p50 ${us(pct(hops, 0.5))} after a's send reached ` +
      `the node; request → a → b p50 ${us(pct(chain, 0.5))}`,
  );

  // Memory per idle tiny agent.
  for (const h of handles) await h.terminate();
  await aAgent.terminate();
  await bAgent.terminate();
  const before = Deno.memoryUsage().rss;
  const workersBefore = sandbox.stats().workers;
  const many: AgentHandle[] = [];
  for (let i = 0; i < agents; i++) {
    many.push(
      await sandbox.activate({ agentId: `m${i}@n1`, hash: tiny.hash, host: { onSend: () => {} } }),
    );
  }
  await new Promise((r) => setTimeout(r, 500));
  const after = Deno.memoryUsage().rss;
  const st = sandbox.stats();
  console.log(
    `${agents} idle tiny agents in ${st.workers} Workers (${workersBefore} before): ` +
      `RSS +${((after - before) / 1e6).toFixed(0)} MB, ${
        ((after - before) / agents / 1e3).toFixed(0)
      } kB per agent, ` +
      `process RSS ${(after / 1e6).toFixed(0)} MB`,
  );
} finally {
  await sandbox.close();
  store.close();
  await Deno.remove(dir, { recursive: true });
}
