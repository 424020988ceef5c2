/**
 * Profiles the protocols benchmark's two costly paths in one process: contract nets with
 * `bidders` tiny bidders through the Task API (`runs` of them, one at a time), then tracked
 * FIPA Request conversations with the tiny echo (64 in flight, `seconds`). Prints the
 * wall time and the process's CPU time per contract net and per conversation, and the
 * machine load. Run it with `--cpu-prof` to see where the main thread's time goes
 * (`--cnet-only`: no bare round, so that the profile holds contract nets alone;
 * `--count-keys`: the Deno KV keys written and deleted per contract net):
 *
 * `deno run -A --cpu-prof --cpu-prof-dir=/tmp/prof-cnet bench/profile-cnet.ts [bidders] [runs] [seconds]`
 * then `deno run -R bench/lib/cpu-profile.ts /tmp/prof-cnet/<main>.cpuprofile 30`.
 * @module
 */
import { CreateTaskSchema, DistributeSchema } from "../runtime/tasks/mod.ts";
import { watAgentBytes } from "../agents/build/mod.ts";
import { prober, startBenchNode } from "./lib/bench-node.ts";
import { processCpuMs } from "./lib/node-process.ts";

const flags = Deno.args.filter((a) => a.startsWith("--"));
const [bidders = 100, runs = 30, seconds = 3] = Deno.args.filter((a) => !a.startsWith("--"))
  .map(Number);
const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
/**
 * `--count-keys`: the conversation service's and the Task API's Deno KV keys written and
 * deleted per contract net, by their first two key parts (a count, steadier than CPU time
 * on a shared machine).
 */
const keyCounts = new Map<string, number>();
if (flags.includes("--count-keys")) {
  const proto = Deno.AtomicOperation.prototype;
  const count = (what: string, key: Deno.KvKey) => {
    if (key[0] !== "conversations" && key[0] !== "tasks") return;
    const k = `${what} ${key.slice(0, 2).join("/")}`;
    keyCounts.set(k, (keyCounts.get(k) ?? 0) + 1);
  };
  const set = proto.set;
  const del = proto.delete;
  proto.set = function (key, value, options) {
    count("set", key);
    return set.call(this, key, value, options);
  };
  proto.delete = function (key) {
    count("delete", key);
    return del.call(this, key);
  };
}
const bench = await startBenchNode({ name: "profile-cnet" });
try {
  const node = bench.node;
  const names = Array.from({ length: bidders }, (_, i) => `tb-${10 + i}`);
  const bytes = await watAgentBytes("tiny-bidder");
  for (const n of names) await bench.deploy(bytes, n);
  await bench.deploy(await watAgentBytes("tiny"), "echo");
  const cnet = async () => {
    const task = node.tasks.create(CreateTaskSchema.parse({ name: "b", participants: names }));
    const r = await node.tasks.distribute(
      task.task_id,
      DistributeSchema.parse({ max_wait_seconds: 30, wait_for_result: true }),
    );
    if (r.status !== "completed") throw new Error(`contract net: ${JSON.stringify(r)}`);
  };
  const cnets = async () => {
    if (bidders <= 0 || runs <= 0) return;
    keyCounts.clear();
    await cnet();
    const t0 = performance.now();
    const c0 = processCpuMs(Deno.pid);
    for (let i = 0; i < runs; i++) {
      const r0 = performance.now();
      const rc = processCpuMs(Deno.pid);
      await cnet();
      if (flags.includes("--each")) {
        console.log(
          `run ${i}: ${(performance.now() - r0).toFixed(1)} ms wall, ` +
            `${processCpuMs(Deno.pid) - rc} ms CPU`,
        );
      }
    }
    const cpu = processCpuMs(Deno.pid) - c0;
    const wall = performance.now() - t0;
    if (flags.includes("--count-keys")) {
      await node.conversations.flush();
      const per = [...keyCounts].sort().map(([k, n]) => `${k}: ${(n / (runs + 1)).toFixed(1)}`);
      console.log(`KV keys per contract net (${runs + 1} runs): ${per.join(", ")}`);
    }
    console.log(
      `contract net, ${bidders} bidders: ${(wall / runs).toFixed(1)} ms/run wall, ` +
        `${(cpu / runs).toFixed(1)} ms/run CPU (all threads); load ${load()}`,
    );
    // The baseline: one bare cfp round to the same bidders (no protocol, no conversation).
    // `--cnet-only`: none (a profile of contract nets alone).
    if (flags.includes("--cnet-only")) return;
    const c = prober(node, "profile-bare");
    try {
      const t1 = performance.now();
      const c1 = processCpuMs(Deno.pid);
      for (let i = 0; i < runs; i++) {
        await Promise.all(names.map((n) => c.ask(n, { performative: "cfp", conversation: false })));
      }
      const cpu1 = processCpuMs(Deno.pid) - c1;
      const wall1 = performance.now() - t1;
      console.log(
        `bare cfp round, ${bidders} bidders: ${(wall1 / runs).toFixed(1)} ms/round wall, ` +
          `${(cpu1 / runs).toFixed(1)} ms/round CPU; ratio ${(cpu / cpu1).toFixed(2)} (CPU), ` +
          `${(wall / wall1).toFixed(2)} (wall); load ${load()}`,
      );
    } finally {
      c.close();
    }
  };
  const requests = async () => {
    if (seconds <= 0) return;
    const c = prober(node, "profile-client");
    // `--tracked-only`: profile the tracked conversations alone (no bare pairs).
    const kinds = flags.includes("--tracked-only") ? ["fipa-request"] : [undefined, "fipa-request"];
    try {
      for (const protocol of kinds) {
        let done = 0;
        const until = performance.now() + seconds * 1000;
        const c1 = processCpuMs(Deno.pid);
        const t1 = performance.now();
        await Promise.all(Array.from({ length: 64 }, async () => {
          while (performance.now() < until) {
            await c.ask("echo", { protocol, conversation: protocol !== undefined });
            done++;
          }
        }));
        const ms = performance.now() - t1;
        const cpu1 = processCpuMs(Deno.pid) - c1;
        console.log(
          `${
            protocol === undefined ? "bare request/reply pairs" : "FIPA Request conversations"
          }: ` +
            `${(done * 1000 / ms).toFixed(0)} /s, ` +
            `${(cpu1 * 1000 / done).toFixed(0)} µs CPU each (all threads); load ${load()}`,
        );
      }
    } finally {
      c.close();
    }
  };
  // --request-first: the order of the protocols benchmark (conversations, then contract nets).
  if (flags.includes("--request-first")) {
    await requests();
    // `--settle`: let the node finish what the conversations left (writes) first.
    if (flags.includes("--settle")) {
      await node.conversations.flush();
      await new Promise((r) => setTimeout(r, 2000));
    }
    await cnets();
  } else {
    await cnets();
    await requests();
  }
} finally {
  await bench.stop();
}
