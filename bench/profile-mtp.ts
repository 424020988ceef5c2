/**
 * Profiles both nodes of the `mtp` benchmark under load: `alpha` and `beta` run with
 * `--cpu-prof`, `inFlight` send-and-waits from alpha's API to `echo@beta` over the HTTP MTP
 * run for `seconds`, then both nodes stop and the top self-time functions of each node's main
 * thread are printed, with the exchanges/s and the CPU each node used per exchange.
 * Run: `deno run -A bench/profile-mtp.ts [seconds] [inFlight] [top] [--no-prof] [--durable]`;
 * `--durable` runs both nodes with `--mtp-delivery at-least-once` (`/acc` stores first).
 * @module
 */
import { selfTimes } from "./lib/cpu-profile.ts";
import {
  processCpuMs,
  processRunMs,
  schedMs,
  spawnNodeProcess,
  stopNodeProcess,
  threadCpuMs,
} from "./lib/node-process.ts";
import { rate } from "./mtp.ts";

const flags = Deno.args.filter((a) => a.startsWith("--"));
const [seconds = "5", inFlight = "16", top = "25"] = Deno.args.filter((a) => !a.startsWith("--"));
const prof = !flags.includes("--no-prof");
const args = flags.includes("--durable") ? ["--mtp-delivery", "at-least-once"] : [];
const profDir = await Deno.makeTempDir({ prefix: "fipa-edge-prof-mtp-" });
const dirs = [await Deno.makeTempDir(), await Deno.makeTempDir()];
const denoFlags = (n: string) => prof ? ["--cpu-prof", `--cpu-prof-dir=${profDir}/${n}`] : [];
const alpha = await spawnNodeProcess({
  name: "a1",
  platform: "alpha",
  dataDir: dirs[0],
  denoFlags: denoFlags("alpha"),
  args,
});
const beta = await spawnNodeProcess({
  name: "b1",
  platform: "beta",
  dataDir: dirs[1],
  sampleAgents: true,
  denoFlags: denoFlags("beta"),
  args,
});
const foreign = { name: "echo@beta", addresses: [`${beta.url}/acc`] };
await rate(alpha, foreign, Number(inFlight), 1, [alpha, beta]); // warm-up
const sa0 = schedMs(alpha.child.pid);
const sb0 = schedMs(beta.child.pid);
const w0 = performance.now();
const a0 = processCpuMs(alpha.child.pid);
const b0 = processCpuMs(beta.child.pid);
const ta0 = threadCpuMs(alpha.child.pid);
const tb0 = threadCpuMs(beta.child.pid);
const d0 = processRunMs(Deno.pid);
const r = await rate(alpha, foreign, Number(inFlight), Number(seconds), [alpha, beta]);
const exchanges = r.perSecond * Number(seconds);
const driverUs = (processRunMs(Deno.pid) - d0) * 1000 / exchanges;
const wall = performance.now() - w0;
for (
  const [n, pid, s0] of [["alpha", alpha.child.pid, sa0], ["beta", beta.child.pid, sb0]] as const
) {
  const s1 = schedMs(pid);
  console.log(
    `${n} main thread: ran ${((s1.ran - s0.ran) / wall * 100).toFixed(0)} % of the time, ` +
      `waited runnable for a CPU ${((s1.waited - s0.waited) / wall * 100).toFixed(0)} %`,
  );
}
for (
  const [n, pid, before] of [["alpha", alpha.child.pid, ta0], [
    "beta",
    beta.child.pid,
    tb0,
  ]] as const
) {
  const now = threadCpuMs(pid);
  const rows = [...now].map(([t, ms]) =>
    [t, (ms - (before.get(t) ?? 0)) * 1000 / exchanges] as const
  )
    .filter(([, us]) => us > 0).sort((a, b) => b[1] - a[1]);
  console.log(
    `${n} CPU/exchange by thread: ${rows.map(([t, us]) => `${t} ${us.toFixed(0)} µs`).join(", ")}`,
  );
}
const per = (ms: number) => (ms * 1000 / exchanges).toFixed(0);
console.log(
  `${r.perSecond.toFixed(0)} exchanges/s, p50 ${r.p50.toFixed(2)} ms, ${inFlight} in flight; ` +
    `CPU/exchange alpha ${per(processCpuMs(alpha.child.pid) - a0)} µs, ` +
    `beta ${per(processCpuMs(beta.child.pid) - b0)} µs, this driver ${driverUs.toFixed(0)} µs; ` +
    `machine busy ` +
    `${(r.machineBusy * 100).toFixed(0)} %; load ${
      (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ")
    }`,
);
await Promise.all([stopNodeProcess(alpha, 20_000), stopNodeProcess(beta, 20_000)]);
for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
if (prof) {
  for (const n of ["alpha", "beta"]) {
    const files = [...Deno.readDirSync(`${profDir}/${n}`)].map((e) => e.name)
      .filter((f) => f.endsWith(".cpuprofile"));
    // The main thread's profile is the largest one (Workers' are named like it).
    const sized = files.map((f) => ({ f, size: Deno.statSync(`${profDir}/${n}/${f}`).size }))
      .sort((a, b) => b.size - a.size);
    if (!sized.length) throw new Error(`no profile written in ${profDir}/${n}`);
    const file = `${profDir}/${n}/${sized[0].f}`;
    console.log(`\n${n} self time (${file}):`);
    for (const x of selfTimes(JSON.parse(await Deno.readTextFile(file))).slice(0, Number(top))) {
      console.log(
        `${(x.share * 100).toFixed(1).padStart(5)} %  ${x.ms.toFixed(0).padStart(7)} ms  ${x.fn}`,
      );
    }
  }
}
