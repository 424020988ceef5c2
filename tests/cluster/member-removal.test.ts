import assert from "node:assert/strict";
import { clusterView, spawnCluster, spawnMember, waitFor } from "../support/cluster-procs.ts";

async function register(url: string, name: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/services`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, services: [{ name: `svc-${name}`, type: "t" }] }),
  });
  await res.body?.cancel();
  return res.status;
}

async function remove(url: string, id: string) {
  const res = await fetch(`${url}/api/v1/cluster/members/${id}`, { method: "DELETE" });
  return { status: res.status, json: await res.json() };
}

Deno.test("a member lost for good is removed; a replacement restores the tolerance of one failure", async () => {
  const nodes = await spawnCluster(["r1", "r2", "r3"], "rplat");
  const live = new Set(nodes);
  try {
    const [a, b, c] = nodes;
    await c.proc.stop("SIGKILL"); // lost for good, data and all
    live.delete(c);
    assert.equal((await remove(a.proc.url, "nobody")).status, 404);
    const self = await remove(a.proc.url, "r1");
    assert.equal(self.status, 409, JSON.stringify(self.json));
    const r = await remove(b.proc.url, "r3"); // through whichever node, leader or not
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual([...r.json.voters].sort(), ["r1", "r2"]);
    for (const n of [a, b]) {
      const v = await waitFor(`${n.name} sees r3 removed`, async () => {
        const v = await clusterView(n.proc.url);
        return v.voters.length === 2 && !v.members.some((m) => m.id === "r3") ? v : undefined;
      });
      assert.deepEqual([...v.voters].sort(), ["r1", "r2"]);
    }
    assert.equal(await register(a.proc.url, "after-removal@rplat"), 201);

    // A replacement joins: {r1, r2, r4}, a quorum of 2 of 3 again (without the removal it
    // would be 3 of {r1, r2, r3, r4}, and losing r2 would stop every write).
    const seed = (await clusterView(a.proc.url)).self.addresses[0];
    const d = await spawnMember("r4", "rplat", 0, [seed]);
    live.add(d);
    await waitFor("r4 a voter", async () => {
      const v = await clusterView(a.proc.url);
      return v.voters.length === 3 && v.voters.includes("r4") ? true : undefined;
    }, 30_000);
    await b.proc.stop("SIGKILL");
    live.delete(b);
    assert.equal(await register(a.proc.url, "after-second-loss@rplat"), 201);
    const v = await clusterView(d.proc.url);
    assert.ok(v.leader === "r1" || v.leader === "r4", `leader ${v.leader}`);
  } finally {
    await Promise.all([...live].map((n) => n.proc.stop("SIGTERM")));
  }
});
