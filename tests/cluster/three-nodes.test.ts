import assert from "node:assert/strict";
import { type AclMessage, aid } from "../../runtime/acl/mod.ts";
import { buildHttpMtpRequest, parseHttpMtpRequest } from "../../runtime/mtp/mod.ts";
import {
  type ClusterNode,
  clusterView,
  spawnCluster,
  spawnMember,
  waitFor,
} from "../support/cluster-procs.ts";

const DIST = new URL("../../agents/dist/", import.meta.url);

async function deploy(url: string, file: string, name: string) {
  const form = new FormData();
  form.append("wasm", new Blob([await Deno.readFile(new URL(file, DIST))]), file);
  form.append("config", JSON.stringify({ name }));
  const res = await fetch(`${url}/api/v1/agents`, { method: "POST", body: form });
  assert.equal(res.status, 201, await res.clone().text());
  return await res.json();
}

async function register(url: string, name: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/services`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, services: [{ name: `svc-${name}`, type: "load-test" }] }),
  });
  await res.body?.cancel();
  return res.status;
}

async function stopAll(nodes: ClusterNode[]) {
  await Promise.all(nodes.map((n) => n.proc.stop("SIGTERM")));
}

Deno.test("three processes: one leader, messages cross nodes, the MTP round-trips through the cluster", async () => {
  const nodes = await spawnCluster(["n1", "n2", "n3"]);
  const jade = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    got.push(
      parseHttpMtpRequest(
        req.headers.get("content-type") ?? "",
        new Uint8Array(await req.arrayBuffer()),
      ).message,
    );
    return new Response(null, { status: 200 });
  });
  const got: AclMessage[] = [];
  try {
    const views = await Promise.all(nodes.map((n) => clusterView(n.proc.url)));
    const leaders = new Set(views.map((v) => v.leader));
    assert.equal(leaders.size, 1, `all agree on the leader: ${[...leaders]}`);
    assert.deepEqual([...views[0].voters].sort(), ["n1", "n2", "n3"]);

    await deploy(nodes[1].proc.url, "tiny.wasm", "echo");
    // Posted to n3, the agent lives on n2.
    const r = await fetch(`${nodes[2].proc.url}/api/v1/messages/send-and-wait?timeout_ms=10000`, {
      method: "POST",
      headers: { "content-type": "text/fipa-acl" },
      body: '(request :receiver (set (agent-identifier :name echo@plat)) :content "across")',
    });
    const body = await r.json();
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.equal(body.receivers[0].via, "peer");
    assert.equal(body.reply.content, "across");

    // A foreign platform's request arrives by HTTP MTP at n1 for echo (on n2); the reply
    // goes back over the MTP to the listener standing in for that platform.
    const request: AclMessage = {
      performative: "request",
      sender: aid("buyer@jade:1099/JADE", [`http://127.0.0.1:${jade.addr.port}/acc`]),
      receivers: [aid("echo@plat")],
      content: "from jade",
      protocol: "fipa-request",
      conversation_id: "jade-c1",
      reply_with: "jade-r1",
    };
    const mtp = buildHttpMtpRequest(request, aid("echo@plat", [`${nodes[0].proc.url}/acc`]), {
      date: new Date(),
      boundary: "jadeboundary",
    });
    const acc = await fetch(`${nodes[0].proc.url}/acc`, {
      method: "POST",
      headers: mtp.headers,
      body: mtp.body,
    });
    assert.equal(acc.status, 200);
    await acc.body?.cancel();
    await waitFor("reply over the MTP", () => (got.length ? true : undefined), 45_000);
    assert.equal(got[0].performative, "inform");
    assert.equal(got[0].content, "from jade");
    assert.equal(got[0].in_reply_to, "jade-r1");
    assert.equal(got[0].conversation_id, "jade-c1");
    assert.equal(got[0].receivers[0].name, "buyer@jade:1099/JADE");

    // The DF answers FIPA-SL0 requests and the registration is visible on every node.
    const reg = await fetch(
      `${nodes[2].proc.url}/api/v1/messages/send-and-wait?wait_for=final&timeout_ms=10000`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          performative: "request",
          receiver: "df@plat",
          language: "fipa-sl0",
          ontology: "fipa-agent-management",
          protocol: "fipa-request",
          content:
            "((action (agent-identifier :name df@plat) (register (df-agent-description :name (agent-identifier :name seller@plat) :services (set (service-description :name books :type selling))))))",
        }),
      },
    );
    const regBody = await reg.json();
    assert.equal(reg.status, 200, JSON.stringify(regBody));
    assert.equal(regBody.reply.performative, "inform", JSON.stringify(regBody.reply));
    for (const n of nodes) {
      const s = await (await fetch(`${n.proc.url}/api/v1/services?type=selling&consistent=true`))
        .json();
      // The registry keys this platform's agents by local name (a FIPA DF search answers
      // with the full name and our addresses).
      assert.deepEqual(s.services.map((d: { name: { name: string } }) => d.name.name), [
        "seller",
      ]);
    }
  } finally {
    await jade.shutdown();
    await stopAll(nodes);
  }
});

Deno.test("SIGKILL of the leader under write load loses no acknowledged write", async () => {
  const nodes = await spawnCluster(["k1", "k2", "k3"], "kplat");
  try {
    const acked: string[] = [];
    let i = 0;
    let stop = false;
    let killedAt = 0;
    let firstAfterKill = 0;
    const writer = async (w: number) => {
      while (!stop) {
        const name = `w${w}-${i++}@kplat`;
        const live = nodes.filter((n) => n.proc.child.pid && !("dead" in n));
        const n = live[i % live.length];
        const startedAfterKill = killedAt !== 0;
        try {
          const status = await register(n.proc.url, name);
          if (status === 201) {
            acked.push(name);
            if (startedAfterKill && !firstAfterKill) firstAfterKill = Date.now();
          }
        } catch { /* the node was killed under us */ }
      }
    };
    const writers = [writer(0), writer(1), writer(2), writer(3)];
    await waitFor("some writes", () => (acked.length >= 50 ? true : undefined));
    const leaderId = (await clusterView(nodes[0].proc.url)).leader!;
    const victim = nodes.find((n) => n.name === leaderId)!;
    const dataDir = victim.proc.dataDir;
    killedAt = Date.now();
    await victim.proc.stop("SIGKILL", { keepData: true });
    (victim as unknown as { dead: boolean }).dead = true;
    const ackedAtKill = acked.length;
    await waitFor(
      "a write after the kill",
      () => (firstAfterKill ? true : undefined),
      15_000,
    );
    const others = nodes.filter((n) => n !== victim);
    const newLeader = await waitFor("a new leader", async () => {
      const v = await clusterView(others[0].proc.url);
      return v.leader && v.leader !== leaderId ? v.leader : undefined;
    });
    console.log(
      `failover: leader ${leaderId} killed, ${newLeader} leads; first acknowledged write ` +
        `${firstAfterKill - killedAt} ms after the kill (${ackedAtKill} writes before)`,
    );
    await waitFor("more writes", () => (acked.length >= ackedAtKill + 50 ? true : undefined));

    // Restart the killed node from its data directory, on its port.
    const back = await spawnMember(victim.name, "kplat", victim.p2pPort, [], dataDir);
    nodes[nodes.indexOf(victim)] = back;
    stop = true;
    await Promise.all(writers);
    for (const n of nodes) {
      await waitFor(`${n.name} has every acknowledged write`, async () => {
        const s = await (await fetch(
          `${n.proc.url}/api/v1/services?type=load-test&max_results=10000&consistent=true`,
        )).json();
        const have = new Set(s.services.map((d: { name: { name: string } }) => d.name.name));
        // Registered as `<local>@kplat`, kept under the local name.
        const missing = acked.filter((a) => !have.has(a.slice(0, a.indexOf("@"))));
        return missing.length === 0 ? true : undefined;
      }, 30_000);
    }
  } finally {
    await stopAll(nodes.filter((n) => !("dead" in n)));
  }
});
