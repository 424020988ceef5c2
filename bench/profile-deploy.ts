/**
 * Profiles a node while it takes `n` deploys of the tiny component over HTTP (default 200,
 * `lanes` in flight, default 1): the node runs with `--cpu-prof` (not with `top` 0); prints
 * the wall time and the node's CPU time per deploy (all threads, then by thread), the CPU
 * time the profile sampled, and the top self-time functions.
 * `start` (default `on-deploy`) is the deploys' `start`: `on-message` deploys them asleep.
 * Run: `deno run -A bench/profile-deploy.ts [n] [lanes] [top] [start]`.
 * @module
 */
import { ensureAgentBuilds } from "./lib/agent-builds.ts";
import { selfTimes } from "./lib/cpu-profile.ts";
import { deployOverHttp } from "./lib/http-deploy.ts";
import {
  processCpuMs,
  spawnNodeProcess,
  stopNodeProcess,
  threadCpuMs,
} from "./lib/node-process.ts";

const [n = "200", lanes = "1", top = "25", start = "on-deploy"] = Deno.args;
await ensureAgentBuilds(["tiny"]);
const bytes = await Deno.readFile(new URL("../agents/dist/tiny.wasm", import.meta.url));
const dir = await Deno.makeTempDir({ prefix: "fipa-edge-prof-" });
const dataDir = await Deno.makeTempDir({ prefix: "fipa-edge-prof-data-" });
const node = await spawnNodeProcess({
  name: "prof",
  dataDir,
  denoFlags: Number(top) > 0 ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [],
});
try {
  await deployOverHttp(node.url, bytes, "warm");
  let next = 0;
  const cpu0 = processCpuMs(node.child.pid);
  const threads0 = threadCpuMs(node.child.pid);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Number(lanes) }, async () => {
    while (next < Number(n)) await deployOverHttp(node.url, bytes, `p${next++}`, { start });
  }));
  const ms = performance.now() - t0;
  const cpu = processCpuMs(node.child.pid) - cpu0;
  console.log(
    `${n} deploys (start ${start}), ${lanes} in flight: ${Math.round(ms)} ms (${
      ms / Number(n)
    } ms each); ` +
      `node CPU ${cpu} ms (${cpu / Number(n)} ms each)`,
  );
  // By thread (live threads; ticks of 10 ms): which side of the node the deploys cost.
  for (const [thread, ms] of threadCpuMs(node.child.pid)) {
    const d = ms - (threads0.get(thread) ?? 0);
    if (d > 0) console.log(`  ${thread}: ${(d / Number(n)).toFixed(3)} ms per deploy`);
  }
} finally {
  await stopNodeProcess(node, 20_000);
  await Deno.remove(dataDir, { recursive: true }).catch(() => {});
}
if (Number(top) > 0) console.log(`profiles in ${dir}`);
for (const f of Deno.readDirSync(dir)) {
  const profile = JSON.parse(Deno.readTextFileSync(`${dir}/${f.name}`));
  const times = selfTimes(profile);
  const total = times.reduce((a, t) => a + t.ms, 0);
  console.log(`${f.name}: ${Math.round(total)} ms sampled`);
  for (const t of times.slice(0, Number(top))) {
    console.log(
      `${t.ms.toFixed(1).padStart(8)} ms ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.fn}`,
    );
  }
}
