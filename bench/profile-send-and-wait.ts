/**
 * Profiles a whole node under `wrk` on `POST /api/v1/messages/send-and-wait` (or, with
 * `--messages`, `POST /api/v1/messages` to a node with a `sink`): the node runs with
 * `--cpu-prof` on CPU 0, wrk (64 connections) on CPU 1 for `seconds` (default 5), then the
 * node stops and its top self-time and inclusive-time functions are printed, with the CPU time
 * the node used per request (user + system, all threads), by thread, and how long its main
 * thread waited runnable for a CPU.
 * `--bare` runs the bare `Deno.serve` + `req.json()` server instead; `--unpinned` lets the node
 * use every CPU; `--no-prof` runs without the profiler (CPU per request only); `--root=<dir>`
 * runs the server script of another checkout (a baseline); `--agents=<n>` spreads the load
 * round-robin over n tiny echo agents (the `agent-load` benchmark's node). The node prints
 * its host ↔ Worker postMessage counts (calls per post) on stderr as it stops. With
 * `--messages`, `--route-only` mounts the route without metrics, audit and conversations (see
 * `servers/node.ts`).
 * Run: `deno run -A bench/profile-send-and-wait.ts [seconds] [top] [--messages [--route-only]]
 * [--no-prof] [--unpinned] [--agents=<n>]`.
 * @module
 */
import { inclusiveTimes, selfTimes } from "./lib/cpu-profile.ts";
import { processCpuMs, schedMs, threadCpuMs } from "./lib/node-process.ts";
import { startServer } from "./lib/server-process.ts";
import { ensureWrk, wrkPost } from "./lib/wrk.ts";
import { MESSAGES_BODY, SEND_AND_WAIT_BODY } from "./lib/sample-content.ts";

const flags = Deno.args.filter((a) => a.startsWith("--"));
const [seconds = "5", top = "30"] = Deno.args.filter((a) => !a.startsWith("--"));
const messages = flags.includes("--messages");
const prof = !flags.includes("--no-prof");
const root = flags.find((f) => f.startsWith("--root="))?.slice("--root=".length);
const agents = Number(flags.find((f) => f.startsWith("--agents="))?.slice("--agents=".length));
await ensureWrk();
const dir = await Deno.makeTempDir({ prefix: "fipa-edge-prof-" });
// `--bare`: the bare Deno.serve + req.json() server the benchmarks compare with.
const server = `servers/${
  flags.includes("--bare") ? "bare" : messages ? "node" : agents ? "agents-node" : "agent-node"
}.ts`;
const script = root
  ? new URL(`file://${root}/bench/${server}`)
  : new URL(`./${server}`, import.meta.url);
// `--unpinned`: the node may run on both CPUs (its main thread and its Workers then do not
// take the CPU from one another; wrk stays on CPU 1).
const proc = await startServer(script, flags.includes("--unpinned") ? undefined : 0, {
  denoArgs: prof ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [],
  args: agents
    ? [String(agents)]
    : messages && flags.includes("--route-only")
    ? ["route-only"]
    : [],
});
const { url, pid } = proc;
// The bodies of the `http-messages` and `agents` benchmarks.
const body = messages ? MESSAGES_BODY : SEND_AND_WAIT_BODY;
const path = messages ? "/api/v1/messages" : "/api/v1/messages/send-and-wait";
const bodies = agents
  ? Array.from({ length: agents }, (_, i) => SEND_AND_WAIT_BODY.replace('"echo"', `"echo${i}"`))
  : undefined;
const load = { url: `${url}${path}`, body, bodies, contentType: "application/json", cpu: 1 };
await wrkPost({ ...load, seconds: 1 });
const cpu0 = processCpuMs(pid);
const threads0 = threadCpuMs(pid);
const sched0 = schedMs(pid);
const wall0 = performance.now();
const r = await wrkPost({ ...load, seconds: Number(seconds) });
const cpu1 = processCpuMs(pid);
const threads1 = threadCpuMs(pid);
const sched1 = schedMs(pid);
const wall = performance.now() - wall0;
const requests = r.rps * Number(seconds);
console.log(
  `${Math.round(r.rps)} req/s, p50 ${r.latencyP50Ms} ms, p99 ${r.latencyP99Ms} ms, ` +
    `non-2xx ${r.non2xx}; node CPU ${((cpu1 - cpu0) * 1000 / requests).toFixed(0)} µs/request; ` +
    `load ${(await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ")}`,
);
// Per thread: the main thread, the sandbox Workers (named for their script), Deno's helpers.
const threads = [...threads1]
  .map(([t, ms]) => [t, (ms - (threads0.get(t) ?? 0)) * 1000 / requests] as const)
  .filter(([, us]) => us > 0).sort((a, b) => b[1] - a[1]);
console.log(
  `CPU/request by thread: ${threads.map(([t, us]) => `${t} ${us.toFixed(0)} µs`).join(", ")}`,
);
// Time the main thread waited runnable for a CPU is sampled by the profiler as whatever it
// was in when it was descheduled (an op that woke a Worker on the same CPU, typically).
console.log(
  `main thread: ran ${((sched1.ran - sched0.ran) / wall * 100).toFixed(0)} % of the time, ` +
    `waited runnable for a CPU ${((sched1.waited - sched0.waited) / wall * 100).toFixed(0)} % ` +
    `(${((sched1.waited - sched0.waited) * 1000 / requests).toFixed(0)} µs/request)`,
);
await proc.stop();
if (!prof) Deno.exit(0);
// The main thread's profile is the one not named for a Worker.
const file = [...Deno.readDirSync(dir)].map((e) => e.name)
  .find((f) => f.endsWith(".cpuprofile") && !f.includes("worker"));
if (!file) throw new Error(`no profile written in ${dir}`);
const profile = JSON.parse(await Deno.readTextFile(`${dir}/${file}`));
const print = (rows: { fn: string; ms: number; share: number }[]) => {
  for (const x of rows.slice(0, Number(top))) {
    console.log(
      `${(x.share * 100).toFixed(1).padStart(5)} %  ${x.ms.toFixed(0).padStart(7)} ms  ${x.fn}`,
    );
  }
};
console.log("\nself time:");
print(selfTimes(profile));
console.log("\ninclusive time:");
print(inclusiveTimes(profile));
console.log(`\nprofile: ${dir}/${file}`);
