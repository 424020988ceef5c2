import assert from "node:assert/strict";
import { type ClusterNode, clusterView, spawnMember, waitFor } from "../support/cluster-procs.ts";

/**
 * A cluster of real node processes with `--voters 5`: 11 by default (5 voters, 6 learners);
 * `AUTOPILOT_NODES=25` runs the full edge size by hand. Why 11: 25 fit in memory (a node
 * takes about 120 MB, 3 GB of the CI machine's 24 GB), but on the 2 cores CI shares with
 * the rest of the suite the 25-node run takes about 3 minutes (measured: started in 73 s,
 * 177 s in all, with the machine's load near 30), the whole budget of one test and too
 * close to its limits to stay reliable; 11 start in two batches (52 s in all) and still give 6
 * learners to route through, promote and replace with. Small settings: a 100 ms Raft tick
 * (the leader heartbeats every member), elections after 20 ticks (a voter starved of CPU
 * for a second must not start one) and `--dead-voter-ms 6000`, so that the failover takes
 * seconds, not the default 10 s, yet a node starved for a few seconds while others start
 * is not taken for dead.
 *
 * It shows that messages sent to any node reach agents on others, that killing 2 of the 5
 * voters makes the leader promote 2 learners and remove the dead within the configured
 * time while writes go on, that nothing acknowledged is lost, and that a voter (the
 * leader) leaves on purpose with `POST /api/v1/cluster/leave`.
 */

const NODES = Number(Deno.env.get("AUTOPILOT_NODES") ?? 11);
const VOTERS = 5;
/** Nodes started at once: more starve each other of CPU (each start costs seconds of it). */
const BATCH = 5;
const DEAD_VOTER_MS = 6000;
const PLATFORM = "ap";
const ENV = {
  FIPA_EDGE_VOTERS: String(VOTERS),
  FIPA_EDGE_DEAD_VOTER_MS: String(DEAD_VOTER_MS),
  FIPA_EDGE_RAFT_TICK_MS: "100",
  // Elections after 2-4 s: a voter starved of CPU for a second must not start one.
  FIPA_EDGE_RAFT_ELECTION_TICKS: "20",
  FIPA_EDGE_RATE_LIMIT: "off",
  FIPA_EDGE_LOG_LEVEL: "warn",
};
const DIST = new URL("../../agents/dist/", import.meta.url);

interface View {
  self: { id: string; addresses: string[]; member: string };
  leader: string | null;
  voters: string[];
  learners: string[];
  members: { id: string; role: string }[];
}

const view = (n: ClusterNode) => clusterView(n.proc.url) as unknown as Promise<View>;

async function deploy(url: string, name: string): Promise<void> {
  const form = new FormData();
  form.append("wasm", new Blob([await Deno.readFile(new URL("tiny.wasm", DIST))]), "tiny.wasm");
  form.append("config", JSON.stringify({ name }));
  const res = await fetch(`${url}/api/v1/agents`, { method: "POST", body: form });
  assert.equal(res.status, 201, await res.text());
}

async function register(url: string, name: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/services`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, services: [{ name: `svc-${name}`, type: "ap-test" }] }),
  }).catch(() => null);
  await res?.body?.cancel();
  return res?.status ?? 0;
}

async function sendAndWait(url: string, agent: string, content: string) {
  const r = await fetch(`${url}/api/v1/messages/send-and-wait?timeout_ms=15000`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ performative: "request", receiver: `${agent}@${PLATFORM}`, content }),
  });
  return { status: r.status, body: await r.json() };
}

Deno.test({
  name:
    `${NODES} processes, ${VOTERS} voters: routing through learners, dead voters replaced, leave`,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const t0 = performance.now();
    const nodes: ClusterNode[] = [];
    const dead = new Set<ClusterNode>();
    try {
      const first = await spawnMember("e01", PLATFORM, 0, [], undefined, ENV);
      nodes.push(first);
      const seed = await waitFor("founder's address", async () => {
        const v = await view(first);
        return v.leader ? v.self.addresses[0] : undefined;
      });
      // Start the others a few at a time (2 shared cores).
      for (let i = 2; i <= NODES; i += BATCH) {
        const batch = [];
        for (let j = i; j < Math.min(i + BATCH, NODES + 1); j++) {
          const name = `e${String(j).padStart(2, "0")}`;
          batch.push(spawnMember(name, PLATFORM, 0, [seed], undefined, ENV, 90_000));
        }
        nodes.push(...await Promise.all(batch));
      }
      const byName = new Map(nodes.map((n) => [n.name, n]));
      console.log(`${NODES} started in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      let seen = "";
      const settled = await waitFor(`${VOTERS} voters and ${NODES - VOTERS} learners`, async () => {
        const v = await view(first);
        const leader = v.leader ? byName.get(v.leader) : undefined;
        if (!leader) return undefined;
        const lv = await view(leader);
        seen = `leader ${lv.leader}: voters ${lv.voters}; learners ${lv.learners}`;
        return lv.voters.length === VOTERS && lv.learners.length === NODES - VOTERS
          ? lv
          : undefined;
      }, 120_000).catch((e) => {
        throw new Error(`${(e as Error).message}; ${seen}\n${first.proc.logs().slice(-4000)}`);
      });
      console.log(`cluster of ${NODES} up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      // Every node knows the leader and shows each member's role (the roles come with the
      // configuration change, which may reach a node after the member's record).
      const rolesOf = (v: View) => Object.fromEntries(v.members.map((m) => [m.id, m.role]));
      const showsRoles = (v: View) => {
        const roles = rolesOf(v);
        return settled.voters.every((id) => roles[id] === "voter") &&
          settled.learners.every((id) => roles[id] === "learner");
      };
      for (const n of nodes) {
        let last: View | undefined;
        const v = await waitFor(`${n.name} knows the leader and every member's role`, async () => {
          const v = await view(n);
          if (v.leader !== settled.leader || v.members.length !== NODES) return undefined;
          last = v;
          return showsRoles(v) ? v : undefined;
        }, 30_000).catch((e) => {
          if (last) return last; // the assertions below name the member whose role is wrong
          throw e;
        });
        const roles = rolesOf(v);
        for (const id of settled.voters) assert.equal(roles[id], "voter", `${n.name}: ${id}`);
        for (const id of settled.learners) assert.equal(roles[id], "learner", `${n.name}: ${id}`);
      }

      // Agents on learners; messages from HTTP clients on voters and learners reach them.
      const learners = settled.learners.map((id) => byName.get(id)!);
      const voters = settled.voters.map((id) => byName.get(id)!);
      const last = learners.length - 1;
      const homes = [learners[0], voters.find((v) => v.name !== settled.leader)!];
      for (const [i, home] of homes.entries()) await deploy(home.proc.url, `echo${i}`);
      const senders = [learners[last], byName.get(settled.leader!)!];
      for (const [i, from] of senders.entries()) {
        for (let a = 0; a < homes.length; a++) {
          const r = await sendAndWait(from.proc.url, `echo${a}`, `hello ${i}-${a}`);
          assert.equal(r.status, 200, `${from.name} -> echo${a}: ${JSON.stringify(r.body)}`);
          assert.equal(r.body.reply.content, `hello ${i}-${a}`);
          assert.equal(r.body.receivers[0].via, "peer");
        }
      }

      // Writes through learners and voters; each acknowledged one must survive.
      const acked: string[] = [];
      const write = async (n: ClusterNode, name: string) => {
        if ((await register(n.proc.url, name)) === 201) acked.push(name);
      };
      for (let i = 0; i < 6; i++) await write(nodes[(i * 7) % NODES], `before-${i}@${PLATFORM}`);
      assert.equal(acked.length, 6);

      // Kill 2 of the 5 voters (not the leader) with SIGKILL; keep writing meanwhile.
      const victims = voters.filter((v) => v.name !== settled.leader).slice(0, 2);
      const killedAt = performance.now();
      for (const v of victims) {
        await v.proc.stop("SIGKILL", { keepData: false });
        dead.add(v);
      }
      const alive = nodes.filter((n) => !dead.has(n));
      let w = 0;
      const replaced = await waitFor("2 learners promoted, the dead removed", async () => {
        await write(alive[w % alive.length], `during-${w++}@${PLATFORM}`);
        const lv = await view(byName.get(settled.leader!)!);
        const ok = lv.voters.length === VOTERS &&
          victims.every((v) => !lv.voters.includes(v.name));
        return ok ? lv : undefined;
      }, DEAD_VOTER_MS + 30_000);
      const took = performance.now() - killedAt;
      console.log(
        `2 dead voters replaced in ${(took / 1000).toFixed(1)} s ` +
          `(dead after ${DEAD_VOTER_MS / 1000} s); ${w} writes meanwhile`,
      );
      assert.ok(took >= DEAD_VOTER_MS, "no voter is replaced before it counts as dead");
      const promoted = replaced.voters.filter((v) => !settled.voters.includes(v));
      assert.equal(promoted.length, 2, `promoted: ${promoted}`);
      for (const p of promoted) assert.ok(settled.learners.includes(p));
      const roles = Object.fromEntries(replaced.members.map((m) => [m.id, m.role]));
      for (const v of victims) assert.equal(roles[v.name], "none", `${v.name} left the config`);

      // Writes work; nothing acknowledged is lost (read through a learner, linearizably).
      for (let i = 0; i < 3; i++) {
        await write(alive[(i * 5) % alive.length], `after-${i}@${PLATFORM}`);
      }
      assert.ok(acked.includes(`after-2@${PLATFORM}`), "the cluster takes writes");
      const reader = alive.find((n) => replaced.learners.includes(n.name))!;
      const res = await fetch(
        `${reader.proc.url}/api/v1/services?type=ap-test&consistent=true&max_results=10000`,
      );
      const found = new Set(
        (await res.json()).services.map((d: { name: { name: string } }) => d.name.name),
      );
      // Registered as `<local>@<platform>`, kept by the registry under the local name.
      const lost = acked.filter((a) => !found.has(a.slice(0, a.indexOf("@"))));
      assert.deepEqual(lost, [], `acknowledged writes lost: ${lost}`);

      // The leader leaves on purpose: leadership moves, it leaves the configuration, and a
      // learner takes its voter seat.
      const leader = byName.get(replaced.leader!)!;
      const left = await fetch(`${leader.proc.url}/api/v1/cluster/leave`, { method: "POST" });
      const report = await left.json();
      assert.equal(left.status, 200, JSON.stringify(report));
      assert.ok(report.transferred_to, JSON.stringify(report));
      assert.ok(!report.voters.includes(leader.name) && !report.learners.includes(leader.name));
      const other = byName.get(report.transferred_to)!;
      await waitFor("a learner fills the seat", async () => {
        const v = await view(other);
        return v.leader !== leader.name && v.voters.length === VOTERS &&
            !v.voters.includes(leader.name)
          ? true
          : undefined;
      }, 30_000);
      assert.equal(await register(other.proc.url, `after-leave@${PLATFORM}`), 201);
      console.log(`whole test ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } finally {
      await Promise.all(nodes.filter((n) => !dead.has(n)).map((n) => n.proc.stop("SIGTERM")));
    }
  },
});
