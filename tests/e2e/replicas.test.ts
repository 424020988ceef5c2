// Replicas of a stateless agent on one node, through real HTTP against a real node process:
// three instances share the new conversations, a conversation stays on one instance, a
// trapping instance is replaced while the others answer, and replicas of a stateful agent
// or out of range are refused in the error shape naming the field.
import assert from "node:assert/strict";
import { pollUntil } from "../../runtime/async/mod.ts";
import { spawnNode } from "../support/node-process.ts";
import { base64Of, callJson as call } from "../support/http.ts";
import { buildWatComponent } from "../../agents/build/mod.ts";
import { runCliProcess } from "../support/cli-process.ts";
import { FipaEdgeClient } from "../../client/mod.ts";

const REPLICA = new URL("../../agents/dist/tiny-replica.wasm", import.meta.url);

interface Instance {
  index: number;
  node: string;
  state: string;
  handled: number;
  restarts: number;
}

async function deploy(base: string, config: Record<string, unknown>) {
  const form = new FormData();
  form.append("wasm", new Blob([await Deno.readFile(REPLICA)]), "replica.wasm");
  form.append("config", JSON.stringify(config));
  const res = await fetch(`${base}/api/v1/agents`, { method: "POST", body: form });
  return { status: res.status, body: await res.json() };
}

async function instances(base: string, agent: string): Promise<Instance[]> {
  const r = await call(base, "GET", `/api/v1/agents/${agent}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.instances ?? [];
}

function ask(base: string, agent: string, conversation: string, performative = "request") {
  return call(base, "POST", "/api/v1/messages/send-and-wait?timeout_ms=10000", {
    performative,
    receiver: agent,
    content: "x",
    conversation_id: conversation,
  });
}

Deno.test("3 replicas on one node: conversations spread, each stays on one instance, a trapping instance is replaced", async () => {
  const node = await spawnNode(["--name", "rep1", "--rate-limit", "off"]);
  try {
    const base = node.url;
    const d = await deploy(base, {
      name: "rep",
      manifest: { stateless: true },
      replicas: 3,
    });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    assert.equal(d.body.replicas, 3);
    assert.deepEqual(d.body.instances.map((i: Instance) => i.index), [0, 1, 2]);
    await pollUntil("3 running instances", async () => {
      const all = await instances(base, "rep");
      return all.length === 3 && all.every((i) => i.state === "running") ? true : undefined;
    }, { timeoutMs: 20_000 });

    // 60 new conversations: every instance takes some.
    for (let i = 0; i < 60; i++) {
      const r = await ask(base, "rep", `spread-${i}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const spread = await instances(base, "rep");
    assert.equal(spread.reduce((n, i) => n + i.handled, 0), 60);
    for (const i of spread) assert.ok(i.handled > 0, `instance ${i.index} took none`);

    // One conversation's 10 messages all reach one instance: its count goes 1..10.
    const counts: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await ask(base, "rep", "one-conversation");
      assert.equal(r.status, 200, JSON.stringify(r.body));
      counts.push(r.body.reply.content.count);
    }
    for (let i = 1; i < counts.length; i++) assert.equal(counts[i], counts[i - 1] + 1);
    const after = await instances(base, "rep");
    const grew = after.filter((a) => a.handled !== spread[a.index].handled);
    assert.equal(grew.length, 1, JSON.stringify(after));
    assert.equal(grew[0].handled - spread[grew[0].index].handled, 10);

    // The instance that has "one-conversation" traps on a cancel; it is replaced, and the
    // other conversations keep being answered meanwhile.
    const trap = await ask(base, "rep", "one-conversation", "cancel");
    assert.equal(trap.status, 503, JSON.stringify(trap.body));
    assert.equal(trap.body.error.code, "AGENT_UNAVAILABLE");
    for (let i = 0; i < 20; i++) {
      const r = await ask(base, "rep", `during-${i}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const replaced = await pollUntil("the trapped instance replaced", async () => {
      const all = await instances(base, "rep");
      const t = all.find((i) => i.index === grew[0].index)!;
      return t.restarts >= 1 && all.every((i) => i.state === "running") ? all : undefined;
    }, { timeoutMs: 20_000 });
    assert.equal(replaced.length, 3);
    // The conversation is on its instance again (a fresh count there).
    const again = await ask(base, "rep", "one-conversation");
    assert.equal(again.status, 200, JSON.stringify(again.body));
  } finally {
    await node.stop();
  }
});

Deno.test("replicas of a stateful agent, 0 or over the maximum are refused naming the field", async () => {
  const node = await spawnNode(["--name", "rep2", "--rate-limit", "off"]);
  try {
    const base = node.url;
    const stateful = await deploy(base, { name: "full", replicas: 2 });
    assert.equal(stateful.status, 409, JSON.stringify(stateful.body));
    assert.equal(stateful.body.error.code, "CONFLICT");
    assert.equal(stateful.body.error.details.field, "replicas");
    assert.match(stateful.body.error.message, /stateful/);
    // Nothing was deployed.
    assert.equal((await call(base, "GET", "/api/v1/agents/full")).status, 404);

    const one = await deploy(base, { name: "single" });
    assert.equal(one.status, 201, JSON.stringify(one.body));
    const scaled = await call(base, "PUT", "/api/v1/agents/single/scale", { replicas: 3 });
    assert.equal(scaled.status, 409, JSON.stringify(scaled.body));
    assert.equal(scaled.body.error.details.field, "replicas");

    const ok = await deploy(base, { name: "light", manifest: { stateless: true } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    for (const bad of [0, 17, 2.5, "3"]) {
      const r = await call(base, "PUT", "/api/v1/agents/light/scale", { replicas: bad });
      assert.equal(r.status, 400, `${bad}: ${JSON.stringify(r.body)}`);
      assert.match(JSON.stringify(r.body.error), /replicas/);
    }
    const tooMany = await deploy(base, {
      name: "many",
      manifest: { stateless: true },
      replicas: 17,
    });
    assert.equal(tooMany.status, 400, JSON.stringify(tooMany.body));
    assert.match(JSON.stringify(tooMany.body.error), /replicas/);
    const missing = await call(base, "PUT", "/api/v1/agents/nobody/scale", { replicas: 2 });
    assert.equal(missing.status, 404, JSON.stringify(missing.body));

    // Scaled up with the CLI, then back down to one with the client library: the agent
    // runs as itself again.
    const up = await runCliProcess(["scale", "light", "--replicas", "2", "--url", base]);
    assert.equal(up.code, 0, up.err);
    assert.match(up.out, /scaled 'light' to 2 instances\n {2}#0 on rep2\n {2}#1 on rep2/);
    const refused = await runCliProcess(["scale", "single", "--replicas", "2", "--url", base]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.err, /stateful/);
    const client = new FipaEdgeClient(base);
    await pollUntil("2 running instances", async () => {
      const all = await instances(base, "light");
      return all.length === 2 && all.every((i) => i.state === "running") ? true : undefined;
    }, { timeoutMs: 20_000 });
    const down = await client.scale("light", 1);
    assert.deepEqual(down, { name: "light", replicas: 1, instances: [] });
    const view = await call(base, "GET", "/api/v1/agents/light");
    assert.equal(view.body.instances, undefined);
    const r = await ask(base, "light", "after-scale-down");
    assert.equal(r.status, 200, JSON.stringify(r.body));
  } finally {
    await node.stop();
  }
});

const TINY = new URL("../../agents/dist/tiny.wasm", import.meta.url);
const PRELUDE = new URL("../../agents/tiny/prelude.wat", import.meta.url);

/** A component whose `init` traps: none of its instances ever runs. */
async function brokenAgent(): Promise<Uint8Array> {
  const prelude = (await Deno.readTextFile(PRELUDE))
    .replace('(func (export "init"))', '(func (export "init") unreachable)');
  return await buildWatComponent(`(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
  ${prelude}
  (func (export "handle-message") (param $m i32) (result i32) (i32.const 0)))`);
}

async function rolling(base: string, bytes: Uint8Array, version: string) {
  const r = await call(base, "POST", "/api/v1/deployments", {
    agent_id: "roll",
    wasm_module: base64Of(bytes),
    version,
    strategy: { type: "rolling", batch_size: 1 },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return await pollUntil("the deployment ended", async () => {
    const d = await call(base, "GET", `/api/v1/deployments/${r.body.deployment_id}`);
    return d.body.status !== "in_progress" ? d.body : undefined;
  }, { timeoutMs: 30_000 });
}

Deno.test("rolling across 3 replicas: batches of one complete; a version that cannot start is rolled back", async () => {
  const node = await spawnNode(["--name", "rep3", "--rate-limit", "off"]);
  try {
    const base = node.url;
    const d = await deploy(base, { name: "roll", manifest: { stateless: true }, replicas: 3 });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    const oldHash = d.body.hash;
    // Every instance counts (the old version) ...
    const before = await ask(base, "roll", "c-before");
    assert.deepEqual(before.body.reply.content, { count: 1 });

    const done = await rolling(base, await Deno.readFile(TINY), "2.0.0");
    assert.equal(done.status, "completed", JSON.stringify(done));
    assert.equal(done.stage, 2); // the two replicas one by one, then the agent's own
    assert.deepEqual(done.to_version, { seq: 2, version: "2.0.0" });
    const view = await call(base, "GET", "/api/v1/agents/roll");
    assert.notEqual(view.body.hash, oldHash);
    assert.deepEqual(
      view.body.instances.map((i: { component_hash: string }) => i.component_hash),
      [view.body.hash, view.body.hash, view.body.hash],
    );
    // ... and every conversation is answered by the new version (an echo) on each instance.
    for (let i = 0; i < 15; i++) {
      const r = await ask(base, "roll", `c-after-${i}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.reply.content, "x");
    }

    const bad = await rolling(base, await brokenAgent(), "3.0.0");
    assert.equal(bad.status, "rolled_back", JSON.stringify(bad));
    assert.match(bad.reason, /of the new version failed/);
    await pollUntil("every instance back on 2.0.0 and running", async () => {
      const v = await call(base, "GET", "/api/v1/agents/roll");
      return v.body.instances.every((i: { component_hash: string; state: string }) =>
          i.component_hash === view.body.hash && i.state === "running"
        )
        ? true
        : undefined;
    }, { timeoutMs: 20_000 });
    const versions = await call(base, "GET", "/api/v1/agents/roll/versions");
    assert.deepEqual(versions.body.versions.map((v: { version: string }) => v.version), [
      "1.0.0",
      "2.0.0",
    ]);
    for (let i = 0; i < 15; i++) {
      const r = await ask(base, "roll", `c-back-${i}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.reply.content, "x");
    }
  } finally {
    await node.stop();
  }
});
