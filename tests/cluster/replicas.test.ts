// Replicas of a stateless agent on a cluster of 3 real node processes: 3 instances, one per
// node; every node spreads new conversations over all of them (each instance's count grows),
// a conversation's messages reach one instance whichever node receives them, and when a node
// is killed (SIGKILL) its share goes to the others at once and its instance is placed again
// on a live node within the failover time; no acknowledged message is lost.
import assert from "node:assert/strict";
import { spawnCluster, waitFor } from "../support/cluster-procs.ts";
import { callJson as call } from "../support/http.ts";

const REPLICA = new URL("../../agents/dist/tiny-replica.wasm", import.meta.url);
/** The cluster's failure detection (`--dead-voter-ms`): a node silent this long is lost. */
const DEAD_MS = 2_000;

interface Instance {
  index: number;
  node: string;
  state: string;
  handled: number;
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
    const form = new FormData();
    form.append("wasm", new Blob([await Deno.readFile(REPLICA)]), "replica.wasm");
    form.append(
      "config",
      JSON.stringify({ name: "rep", manifest: { stateless: true }, replicas: 3 }),
    );
    const res = await fetch(`${a}/api/v1/agents`, { method: "POST", body: form });
    assert.equal(res.status, 201, await res.clone().text());
    const deployed = await res.json();
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
