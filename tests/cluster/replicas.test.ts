// Replicas of a stateless agent on a cluster of 3 real node processes: 3 instances, one per
// node; every node spreads new conversations over all of them (each instance's count grows),
// a conversation's messages reach one instance whichever node receives them, and when a node
// is killed (SIGKILL) its share goes to the others at once and its instance is placed again
// on a live node within the failover time; no acknowledged message is lost.
import assert from "node:assert/strict";
import { spawnCluster, waitFor } from "../support/cluster-procs.ts";
import { base64Of, callJson as call } from "../support/http.ts";

const REPLICA = new URL("../../agents/dist/tiny-replica.wasm", import.meta.url);
/** The cluster's failure detection (`--dead-voter-ms`): a node silent this long is lost. */
const DEAD_MS = 2_000;

interface Instance {
  index: number;
  node: string;
  state: string;
  handled: number;
}

/** Deploys the tiny replica agent as `name`, stateless, with 3 replicas; its view. */
async function deployReplicated(base: string, name: string) {
  const form = new FormData();
  form.append("wasm", new Blob([await Deno.readFile(REPLICA)]), "replica.wasm");
  form.append("config", JSON.stringify({ name, manifest: { stateless: true }, replicas: 3 }));
  const res = await fetch(`${base}/api/v1/agents`, { method: "POST", body: form });
  assert.equal(res.status, 201, await res.clone().text());
  return await res.json();
}

async function instances(base: string): Promise<Instance[]> {
  const r = await call(base, "GET", "/api/v1/agents/rep");
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.instances;
}

function ask(base: string, conversation: string) {
  return call(base, "POST", "/api/v1/messages/send-and-wait?timeout_ms=15000", {
    performative: "request",
    receiver: "rep",
    content: "x",
    conversation_id: conversation,
  });
}

Deno.test("3 replicas on 3 nodes: all answer, conversations stay on one instance, a killed node's share moves", async () => {
  const nodes = await spawnCluster(["rep-a", "rep-b", "rep-c"], "repplat", {
    FIPA_EDGE_DEAD_VOTER_MS: String(DEAD_MS),
  });
  try {
    const [a, b, c] = nodes.map((n) => n.proc.url);
    const deployed = await deployReplicated(a, "rep");
    // Spread over the live nodes: one instance on each.
    assert.deepEqual(
      deployed.instances.map((i: Instance) => i.node).sort(),
      ["rep-a", "rep-b", "rep-c"],
    );
    await waitFor("3 running instances", async () => {
      const all = await instances(a);
      return all.every((i) => i.state === "running") ? true : undefined;
    }, 60_000);

    // New conversations through every node: every instance takes some, all are answered.
    let n = 0;
    for (const base of [a, b, c]) {
      for (let i = 0; i < 20; i++) {
        const r = await ask(base, `spread-${n++}`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
    }
    const spread = await instances(a);
    assert.equal(spread.reduce((s, i) => s + i.handled, 0), 60);
    for (const i of spread) assert.ok(i.handled > 0, `instance on ${i.node} took none`);

    // One conversation through all three nodes in turn: one instance counts 1, 2, 3, ...
    const counts: number[] = [];
    for (let i = 0; i < 9; i++) {
      const r = await ask([a, b, c][i % 3], "one-conversation");
      assert.equal(r.status, 200, JSON.stringify(r.body));
      counts.push(r.body.reply.content.count);
    }
    for (let i = 1; i < counts.length; i++) assert.equal(counts[i], counts[i - 1] + 1);
    const after = await instances(a);
    const grew = after.filter((x) => x.handled !== spread[x.index].handled);
    assert.equal(grew.length, 1, JSON.stringify(after));

    // Kill node c. Conversations whose instance was there go to the next instance at once:
    // every new conversation through a and b is answered.
    const killedAt = performance.now();
    await nodes[2].proc.stop("SIGKILL");
    for (let i = 0; i < 20; i++) {
      const r = await ask([a, b][i % 2], `after-kill-${i}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    // Acknowledged at-least-once messages are all handled by the live instances.
    const before = (await instances(a)).filter((x) => x.node !== "rep-c");
    const handledBefore = before.reduce((s, x) => s + x.handled, 0);
    const ACKED = 20;
    for (let i = 0; i < ACKED; i++) {
      const r = await call([a, b][i % 2], "POST", "/api/v1/messages?delivery=at-least-once", {
        performative: "request",
        receiver: "rep",
        content: "x",
        conversation_id: `acked-${i}`,
      });
      assert.equal(r.status, 202, JSON.stringify(r.body));
    }
    // Within the failover time, c's instance is placed again on a live node and runs.
    const moved = await waitFor("c's instance placed again", async () => {
      const all = await instances(a);
      return all.length === 3 && all.every((x) => x.node !== "rep-c" && x.state === "running")
        ? all
        : undefined;
    }, DEAD_MS + 15_000);
    const failoverMs = performance.now() - killedAt;
    assert.deepEqual(new Set(moved.map((x) => x.node)), new Set(["rep-a", "rep-b"]));
    console.log(`instance of the killed node placed again after ${Math.round(failoverMs)} ms`);
    // Every acknowledged message was handled by an instance on a live node (those that were
    // there already: the moved one starts from 0).
    await waitFor("every acknowledged message handled", async () => {
      const all = await instances(a);
      const total = all.reduce((s, x) => s + x.handled, 0);
      return total >= handledBefore + ACKED ? true : undefined;
    });
    const r = await ask(b, "after-move");
    assert.equal(r.status, 200, JSON.stringify(r.body));
  } finally {
    await Promise.all(nodes.map((n) => n.proc.stop()));
  }
});

const TINY = new URL("../../agents/dist/tiny.wasm", import.meta.url);

Deno.test("a rolling deployment of a replicated agent is carried on by another node when its node is killed", async () => {
  const nodes = await spawnCluster(["roll-a", "roll-b", "roll-c"], "rollplat", {
    FIPA_EDGE_DEAD_VOTER_MS: String(DEAD_MS),
  });
  try {
    const [a, b, c] = nodes.map((n) => n.proc.url);
    await deployReplicated(a, "roll");
    await waitFor("3 running instances", async () => {
      const r = await call(b, "GET", "/api/v1/agents/roll");
      return r.status === 200 && r.body.instances.every((i: Instance) => i.state === "running")
        ? true
        : undefined;
    }, 60_000);

    // Batches of one, 3 s apart: node a drives it, and is killed after the first batch.
    const started = await call(a, "POST", "/api/v1/deployments", {
      agent_id: "roll",
      wasm_module: base64Of(await Deno.readFile(TINY)),
      version: "2.0.0",
      strategy: { type: "rolling", batch_size: 1, pause: "3s" },
    });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const id = started.body.deployment_id;
    await waitFor("the first batch", async () => {
      const d = await call(b, "GET", `/api/v1/deployments/${id}`);
      return d.body.stage >= 1 ? true : undefined;
    });
    await nodes[0].proc.stop("SIGKILL");

    // Another node carries it on to the end, from the directory's state.
    const done = await waitFor("the deployment completed by another node", async () => {
      const d = await call(b, "GET", `/api/v1/deployments/${id}`);
      return d.body.status !== "in_progress" ? d.body : undefined;
    }, 60_000);
    assert.equal(done.status, "completed", JSON.stringify(done));
    assert.notEqual(done.node, "roll-a");
    assert.match(done.reason, /carried on by node 'roll-[bc]': node 'roll-a' was lost/);
    const versions = await call(c, "GET", "/api/v1/agents/roll/versions");
    assert.deepEqual(versions.body.versions.map((v: { version: string }) => v.version), [
      "1.0.0",
      "2.0.0",
    ]);
    // Every instance runs on b or c, on the new version: each conversation is echoed.
    const view = await waitFor("every instance on a live node, running 2.0.0", async () => {
      const r = await call(c, "GET", "/api/v1/agents/roll");
      const hash = versions.body.versions[1].component_hash;
      return r.body.instances.every((i: Instance & { component_hash: string }) =>
          i.node !== "roll-a" && i.state === "running" && i.component_hash === hash
        )
        ? r.body
        : undefined;
    });
    assert.equal(view.instances.length, 3);
    for (let i = 0; i < 12; i++) {
      const r = await call(
        [b, c][i % 2],
        "POST",
        "/api/v1/messages/send-and-wait?timeout_ms=15000",
        {
          performative: "request",
          receiver: "roll",
          content: "x",
          conversation_id: `after-${i}`,
        },
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.reply.content, "x");
    }
  } finally {
    await Promise.all(nodes.map((n) => n.proc.stop()));
  }
});
