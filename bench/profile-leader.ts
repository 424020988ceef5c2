/**
 * Profiles the leader of a three-node cluster under the cluster benchmark's load: every node
 * runs with `--cpu-prof`, `clients` writers (default 64) commit through the leader for
 * `seconds` (default 5), then the nodes stop and the leader's top self-time functions are
 * printed. Run: `deno run -A bench/profile-leader.ts [clients] [seconds] [top]`.
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
let leaderDir = "";
try {
  const leader = await fc.leader();
  leaderDir = dir;
  const c = fipaWriter(fc.nodes.map((n) => n.url), fc.platform);
  const rate = await commitRate(c, leader, Number(clients), Number(seconds));
  console.log(
    `${Math.round(rate)} commits/s with ${clients} clients; leader ${fc.nodes[leader].name}`,
  );
  const pid = fc.nodes[leader].child.pid;
  await fc.stop();
  const files = [...Deno.readDirSync(leaderDir)].map((e) => e.name);
  const mine = files.find((f) => f.includes(String(pid))) ?? files[0];
  const rows = selfTimes(JSON.parse(await Deno.readTextFile(`${leaderDir}/${mine}`)));
  for (const r of rows.slice(0, Number(top))) {
    console.log(
      `${(r.share * 100).toFixed(1).padStart(5)} %  ${r.ms.toFixed(0).padStart(7)} ms  ${r.fn}`,
    );
  }
} finally {
  await fc.stop();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
