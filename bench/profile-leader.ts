/**
 * Profiles a three-node cluster under the cluster benchmark's load: every node runs with
 * `--cpu-prof`, `clients` writers (default 64) commit through the leader for `seconds`
 * (default 5), then the nodes stop and the top self-time functions of the leader and of one
 * follower are printed. Run: `deno run -A bench/profile-leader.ts [clients] [seconds] [top]`.
 * @module
 */
import { commitRate } from "./lib/commit-measures.ts";
import { selfTimes } from "./lib/cpu-profile.ts";
import { startFipaCluster } from "./lib/fipa-cluster.ts";
import { fipaWriter } from "./lib/write-clients.ts";

const [clients = "64", seconds = "5", top = "15"] = Deno.args;
const dir = await Deno.makeTempDir({ prefix: "fipa-edge-prof-" });
const fc = await startFipaCluster("plat", {
  denoFlags: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
});

/** Prints the top self-time functions of the profile written by process `pid`. */
async function printTop(title: string, pid: number): Promise<void> {
  const files = [...Deno.readDirSync(dir)].map((e) => e.name);
  const mine = files.find((f) => f.includes(String(pid)));
  if (!mine) {
    console.log(`${title}: no profile for pid ${pid}`);
    return;
  }
  console.log(title);
  const rows = selfTimes(JSON.parse(await Deno.readTextFile(`${dir}/${mine}`)));
  for (const r of rows.slice(0, Number(top))) {
    console.log(
      `${(r.share * 100).toFixed(1).padStart(5)} %  ${r.ms.toFixed(0).padStart(7)} ms  ${r.fn}`,
    );
  }
}

try {
  const leader = await fc.leader();
  const follower = (leader + 1) % fc.nodes.length;
  const c = fipaWriter(fc.nodes.map((n) => n.url), fc.platform);
  const rate = await commitRate(c, leader, Number(clients), Number(seconds));
  console.log(
    `${Math.round(rate)} commits/s with ${clients} clients; leader ${fc.nodes[leader].name}`,
  );
  const pids = fc.nodes.map((n) => n.child.pid);
  await fc.stop();
  await printTop(`leader ${fc.nodes[leader].name}`, pids[leader]);
  await printTop(`follower ${fc.nodes[follower].name}`, pids[follower]);
} finally {
  await fc.stop();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
