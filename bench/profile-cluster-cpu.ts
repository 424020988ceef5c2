/**
 * Where a cluster's processes spend CPU (issue 18, 25 nodes on 2 cores): starts `size` nodes
 * (default 25, `--voters 5`), reads each process's CPU time from `/proc/<pid>/stat` over
 * `seconds` with no load (ms of CPU per second per node, leader / voter / learner), then
 * over `seconds` of `clients` writers to the leader (ms of CPU per committed write, per
 * role; 0 clients skips it). With `prof` as fourth argument every node runs with `--cpu-prof` and the top
 * self-time entries of the leader and one learner are printed.
 * Run: `deno run -A bench/profile-cluster-cpu.ts [size] [seconds] [clients] [prof]`.
 * @module
 */
import { commitRate } from "./lib/commit-measures.ts";
import { inclusiveTimes, selfTimes } from "./lib/cpu-profile.ts";
import { startFipaCluster } from "./lib/fipa-cluster.ts";
import { stopNodeProcess } from "./lib/node-process.ts";
import { fipaWriter } from "./lib/write-clients.ts";

const [size = "25", seconds = "5", clients = "64", prof = ""] = Deno.args;
const n = Number(size);
const dir = prof ? await Deno.makeTempDir({ prefix: "fipa-edge-prof-" }) : "";
const TICK = 100; // USER_HZ on Linux

/** utime + stime of a process, in ms. */
function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * 1000 / TICK;
}

/** Now on the monotonic clock V8 stamps profiles with (µs; boot time, no suspend here). */
function monoUs(): number {
  return Number(Deno.readTextFileSync("/proc/uptime").split(" ")[0]) * 1e6;
}

/** The profile's samples within [from, to] µs of {@link monoUs}: the windows, not start-up. */
function within(
  p: { nodes: never[]; startTime: number; samples: number[]; timeDeltas: number[] },
  from: number,
  to: number,
) {
  let t = p.startTime;
  const keep = p.timeDeltas.map((d) => (t += Math.max(0, d)) >= from && t <= to);
  return {
    nodes: p.nodes,
    samples: p.samples.filter((_, i) => keep[i]),
    timeDeltas: p.timeDeltas.filter((_, i) => keep[i]),
  };
}

const fc = await startFipaCluster("plat", {
  size: n,
  args: n > 3 ? ["--voters", "5"] : [],
  denoFlags: prof ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [],
});
try {
  const leader = await fc.leader();
  const res = await fetch(`${fc.nodes[leader].url}/api/v1/cluster`);
  const view = await res.json() as { voters: string[] };
  const role = (i: number) =>
    i === leader ? "leader" : view.voters.includes(fc.nodes[i].name) ? "voter" : "learner";
  const pids = fc.nodes.map((x) => x.child.pid);
  const sample = () => pids.map(cpuMs);
  const byRole = (a: number[], b: number[], div: number) => {
    const out: Record<string, number[]> = {};
    a.forEach((v, i) => (out[role(i)] ??= []).push((b[i] - v) / div));
    return Object.entries(out).map(([r, xs]) =>
      `${r}: mean ${(xs.reduce((s, x) => s + x, 0) / xs.length).toFixed(2)} (n=${xs.length}, max ${
        Math.max(...xs).toFixed(2)
      })`
    ).join("; ");
  };
  // Settle after the joins (SETTLE_S, default 2 s): first contacts between members take a while.
  await new Promise((r) => setTimeout(r, 1000 * Number(Deno.env.get("SETTLE_S") ?? 2)));
  const s = Number(seconds);
  const a = sample();
  const win = { from: monoUs(), to: 0 };
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, s * 1000));
  const b = sample();
  win.to = monoUs();
  const idleS = (performance.now() - t0) / 1000;
  const total = b.reduce((x, v, i) => x + v - a[i], 0) / idleS;
  console.log(`load ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  console.log(`idle, ms CPU per s per node: ${byRole(a, b, idleS)}; all nodes ${total.toFixed(0)}`);
  if (Number(clients) > 0) {
    const c = fipaWriter(fc.nodes.map((x) => x.url), fc.platform);
    const before = sample();
    const rate = await commitRate(c, leader, Number(clients), s);
    const after = sample();
    win.to = monoUs();
    const writes = rate * (s + 1); // commitRate warms up 1 s, then measures s
    const all = after.reduce((x, v, i) => x + v - before[i], 0) / writes;
    console.log(`load: ${Math.round(rate)} writes/s with ${clients} clients`);
    console.log(`ms CPU per write: ${byRole(before, after, writes)}; all nodes ${all.toFixed(2)}`);
    c.close?.();
  }
  if (prof) {
    const learner = fc.nodes.findIndex((_, i) => role(i) === "learner");
    const pick = { leader, learner };
    // The profiled nodes first, with time to write their profiles (25 nodes stopping at
    // once on 2 cores can outlast the usual grace, and a killed node writes none).
    await Promise.all(
      Object.values(pick).filter((i) => i >= 0).map((i) => stopNodeProcess(fc.nodes[i], 60_000)),
    );
    await fc.stop();
    const files = [...Deno.readDirSync(dir)].map((e) => e.name);
    for (const [r, i] of Object.entries(pick)) {
      if (i < 0) continue;
      const f = files.find((x) => x.includes(String(pids[i])));
      if (!f) continue;
      console.log(`-- ${r} ${fc.nodes[i].name}: top self time in the measured windows`);
      const p = within(JSON.parse(await Deno.readTextFile(`${dir}/${f}`)), win.from, win.to);
      const rows = selfTimes(p).slice(0, 18);
      // INCLUSIVE=1: also the top inclusive entries (who calls what costs).
      if (Deno.env.get("INCLUSIVE")) {
        rows.push(
          ...inclusiveTimes(p as never).filter((x) =>
            !x.fn.includes("npm:") && !x.fn.includes("ext:")
          ).slice(0, 40),
        );
      }
      for (const x of rows) {
        console.log(
          `${(x.share * 100).toFixed(1).padStart(5)} %  ${x.ms.toFixed(0).padStart(7)} ms  ${x.fn}`,
        );
      }
    }
  }
} finally {
  await fc.stop();
  if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
}
