/**
 * Where the time of ONE directory write goes, and what a commit costs each node in CPU.
 * Starts a three-node cluster (`main.ts` processes) with `FIPA_EDGE_RAFT_TRACE` set, writes
 * `n` DF registrations one after another to the leader (as the cluster bench's one client
 * does), and prints, per stage, the median and p90 of the time between consecutive stages
 * (client → HTTP route → proposal → leader's append out → follower's receipt and save → ack
 * → commit → apply → HTTP response → client). Then `clients` writers (default 64) run for
 * `seconds`, and each node's CPU time (user + system, `/proc/<pid>/stat`) per commit is
 * printed. The trace writes one line per stage (a synchronous file write of a few µs), so
 * absolute figures are a little higher than without it.
 * Run: `deno run -A bench/write-stages.ts [n] [clients] [seconds]`.
 * @module
 */
import { commitLatencies, commitRate } from "./lib/commit-measures.ts";
import { startFipaCluster } from "./lib/fipa-cluster.ts";
import { summarize } from "./lib/stats.ts";
import type { WriteClient } from "./lib/write-clients.ts";
import { fipaWriter } from "./lib/write-clients.ts";

const [nArg = "300", clientsArg = "64", secondsArg = "3"] = Deno.args;
const n = Number(nArg);
const dir = await Deno.makeTempDir({ prefix: "fipa-edge-stages-" });
Deno.env.set("FIPA_EDGE_RAFT_TRACE", dir);

interface Ev {
  t: number;
  stage: string;
  index: number;
  peer?: string;
}

function readTrace(file: string): Ev[] {
  return Deno.readTextFileSync(file).trim().split("\n").map((l) => {
    const [t, stage, index, peer] = l.split(" ");
    return { t: Number(t), stage, index: Number(index), peer };
  });
}

/** The first event of `stage` at or after `t` (with an index ≥ `index` when given). */
function first(evs: Ev[], stage: string, t: number, index = -1): Ev | undefined {
  return evs.find((e) => e.stage === stage && e.t >= t && e.index >= index);
}

const TICKS_PER_SECOND = 100; // Linux USER_HZ
function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

const now = () => performance.timeOrigin + performance.now();
const fc = await startFipaCluster();
try {
  const leader = await fc.leader();
  const names = fc.nodes.map((x) => x.name);
  const c: WriteClient = fipaWriter(fc.nodes.map((x) => x.url), fc.platform);
  await commitLatencies(c, leader, 0, 100); // warm-up
  const spans: { t0: number; t1: number }[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await c.write(5e9 + i, leader);
    spans.push({ t0, t1: now() });
  }
  // CPU per commit under one client and under many.
  const pids = fc.nodes.map((x) => x.child.pid);
  const cpu0 = pids.map(cpuMs);
  const tOne = performance.now();
  const one = 300;
  for (let i = 0; i < one; i++) await c.write(6e9 + i, leader);
  const oneMs = performance.now() - tOne;
  const cpu1 = pids.map(cpuMs);
  const rate = await commitRate(c, leader, Number(clientsArg), Number(secondsArg));
  const cpu2 = pids.map(cpuMs);
  const manyCommits = rate * (Number(secondsArg) + 1); // warm-up second included in the CPU
  await fc.stop();

  const traces = Object.fromEntries(names.map((x) => [x, readTrace(`${dir}/${x}.trace`)]));
  const L = traces[names[leader]];
  const followers = names.filter((_, i) => i !== leader);
  const stages: Record<string, number[]> = {};
  const add = (k: string, v: number) => (stages[k] ??= []).push(v);
  for (const { t0, t1 } of spans) {
    const req = first(L, "request", t0);
    const prop = req && first(L, "propose", req.t);
    if (!req || !prop || prop.t > t1) continue;
    const k = prop.index;
    const sent = first(L, "append-sent", prop.t, k);
    const lsave = first(L, "save", prop.t, k);
    const lsaved = first(L, "saved", prop.t, k);
    const commit = first(L, "commit", prop.t, k);
    const applied = first(L, "applied", prop.t, k);
    const result = first(L, "result", prop.t);
    // The follower whose ack came first is the one that completed the quorum.
    const acks = followers.map((f) => ({
      f,
      e: L.find((e) => e.stage === "ack-received" && e.peer === f && e.t >= prop.t && e.index >= k),
    }))
      .filter((a) => a.e !== undefined).sort((a, b) => a.e!.t - b.e!.t);
    if (!sent || !lsave || !lsaved || !commit || !applied || !result || acks.length === 0) continue;
    const F = traces[acks[0].f];
    const frecv = first(F, "append-received", prop.t, k);
    const fsave = frecv && first(F, "save", frecv.t, k);
    const fsaved = frecv && first(F, "saved", frecv.t, k);
    const fack = frecv && first(F, "ack-sent", frecv.t, k);
    if (!frecv || !fsave || !fsaved || !fack) continue;
    const ack = acks[0].e!;
    add("client → HTTP route (request in the node)", req.t - t0);
    add("route → proposal in the leader's log", prop.t - req.t);
    add("proposal → append sent (leader)", sent.t - prop.t);
    add("leader KV save (save → saved)", lsaved.t - lsave.t);
    add("append sent → received by follower (transport + decode)", frecv.t - sent.t);
    add("follower receipt → its save starts", fsave.t - frecv.t);
    add("follower KV save (save → saved)", fsaved.t - fsave.t);
    add("follower saved → ack sent", fack.t - fsaved.t);
    add("ack sent → received by leader (transport + decode)", ack.t - fack.t);
    add("ack received → commit (apply starts)", commit.t - ack.t);
    add(
      "quorum complete (later of leader saved, first ack) → commit",
      commit.t - Math.max(ack.t, lsaved.t),
    );
    add("apply (commit → applied)", applied.t - commit.t);
    add("applied → route answers (result)", result.t - applied.t);
    add("result → client has the response", t1 - result.t);
    add("total (client)", t1 - t0);
  }
  console.log(
    `one client, ${n} writes (${stages["total (client)"]?.length ?? 0} traced); load ${
      Deno.loadavg().map((x) => x.toFixed(1)).join(" ")
    }`,
  );
  console.log("| stage | p50 ms | p90 ms |\n| --- | --- | --- |");
  for (const [k, v] of Object.entries(stages)) {
    const s = summarize(v);
    console.log(`| ${k} | ${s.p50.toFixed(3)} | ${s.p90.toFixed(3)} |`);
  }
  const per = (a: number[], b: number[], commits: number) =>
    names.map((x, i) =>
      `${x}${i === leader ? " (leader)" : ""} ${((b[i] - a[i]) / commits).toFixed(3)} ms`
    ).join(", ");
  console.log(
    `CPU per commit, 1 client (${Math.round(one / (oneMs / 1000))} commits/s): ${
      per(cpu0, cpu1, one)
    }`,
  );
  console.log(
    `CPU per commit, ${clientsArg} clients (${Math.round(rate)} commits/s): ${
      per(cpu1, cpu2, manyCommits)
    }`,
  );
} finally {
  await fc.stop();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
