/**
 * Profiles the wake of hibernated agents: a node in this process, `agents` tiny echo agents
 * (default 20), then `n` rounds (default 300) of "hibernate one, send it a request and wait
 * for the reply" (round robin, as `bench migration` does). `--fresh`: every agent is
 * hibernated first and each is then woken once in turn, with no hibernation in between (as
 * `bench scale` does; all are hibernated again after each pass). Prints the wake round trip
 * (p50, p90) against the round trip to the same agents awake, and the process CPU time per
 * round (all threads, hibernations included); with `--cpu-prof` on the command line, the
 * profiles Deno writes can be summarized with `bench/lib/cpu-profile.ts`. `--asleep`: `n` more
 * agents deployed asleep (`"start": "on-message"`), each woken once by a request (the wake of
 * a never-started agent; the CPU per round is then the wake's alone).
 * Run: `deno run -A [--cpu-prof --cpu-prof-dir=DIR] bench/profile-wake.ts [n] [agents]
 * [--fresh | --asleep]`.
 * @module
 */
import { ensureAgentBuilds } from "./lib/agent-builds.ts";
import { BENCH_LIMITS, prober, startBenchNode } from "./lib/bench-node.ts";
import { processCpuMs } from "./lib/node-process.ts";
import { DeployConfigSchema } from "../runtime/agents/mod.ts";
import { summarize } from "./lib/stats.ts";

const fresh = Deno.args.includes("--fresh");
const asleep = Deno.args.includes("--asleep");
const [n = "300", count = "20"] = Deno.args.filter((a) => !a.startsWith("--"));
const rounds = Number(n);
const agents = Number(count);
await ensureAgentBuilds(["tiny"]);
const bytes = await Deno.readFile(new URL("../agents/dist/tiny.wasm", import.meta.url));
const b = await startBenchNode({ name: "wake" });
const p = prober(b.node);
const r3 = (x: number) => Math.round(x * 1000) / 1000;
try {
  const names = Array.from({ length: agents }, (_, i) => `w${i}`);
  for (const name of names) await b.deploy(bytes, name);
  for (const name of names) await p.ask(name);
  const awake: number[] = [];
  for (let i = 0; i < 200; i++) awake.push(await p.ask(names[i % agents]) / 1000);
  // Warm-up: every agent hibernated and woken once.
  for (const name of names) {
    await b.node.agents.hibernate(name);
    await p.ask(name);
  }
  const woken: number[] = [];
  // `--fresh`: every agent hibernated, then each woken once (as `bench scale` does), again.
  if (fresh) { for (const name of names) await b.node.agents.hibernate(name); }
  const sleepers = Array.from({ length: asleep ? rounds : 0 }, (_, i) => `s${i}`);
  for (const name of sleepers) {
    await b.node.agents.deploy(
      bytes,
      DeployConfigSchema.parse({ name, limits: BENCH_LIMITS, start: "on-message" }),
    );
  }
  const cpu0 = processCpuMs(Deno.pid);
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    if (asleep) {
      woken.push(await p.ask(sleepers[i]) / 1000);
      continue;
    }
    const name = names[i % agents];
    if (!fresh) await b.node.agents.hibernate(name);
    else if (i > 0 && i % agents === 0) {
      for (const other of names) await b.node.agents.hibernate(other);
    }
    woken.push(await p.ask(name) / 1000);
  }
  const wall = performance.now() - t0;
  const cpu = processCpuMs(Deno.pid) - cpu0;
  const w = summarize(woken);
  const a = summarize(awake);
  console.log(
    `wake round trip p50 ${r3(w.p50)} ms, p90 ${r3(w.p90)} ms, p99 ${r3(w.p99)} ms (awake p50 ${
      r3(a.p50)
    } ms, ` +
      `p90 ${r3(a.p90)} ms); ${rounds} ${
        asleep ? "never-started wakes" : "hibernate + wake cycles"
      }: ${r3(wall / rounds)} ms wall, ` +
      `${r3(cpu / rounds)} ms CPU (all threads) each`,
  );
} finally {
  p.close();
  await b.stop();
}
