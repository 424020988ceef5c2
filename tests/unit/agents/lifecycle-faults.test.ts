// Every failure path of the agent lifecycle undoes only what it did (issue 11): a fault
// injected at each step of deploy, update, start, delete and a move's pause leaves the
// agent, its persisted record, the directory and the router exactly as before, and the
// same operation succeeds afterwards. Fake sandbox, in-memory Deno KV, real router.
import assert from "node:assert/strict";
import { type LifecycleStep, UpdateConfigSchema } from "../../../runtime/agents/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";
import { FakeCluster } from "./fake-sandbox.ts";
import { type Harness, harness } from "./harness.ts";

/** Everything a lifecycle operation may change about `name`, on one node and the cluster. */
async function observe(h: Harness, cluster: FakeCluster, name: string) {
  let view: Record<string, unknown> | undefined;
  try {
    const { metrics: _, ...rest } = h.agents.get(name);
    view = rest;
  } catch (e) {
    assert.equal((e as ApiError).code, "AGENT_NOT_FOUND");
  }
  return {
    view,
    record: (await h.kv.get(["agents", name])).value,
    directory: structuredClone(cluster.agents.get(name)),
    live: h.sandbox.live(name).length,
    routed: h.router.hasLocal(name),
  };
}

/** A node whose fault hook throws at `fault.at` (when set). */
async function faultyNode(cluster: FakeCluster) {
  const fault: { at?: LifecycleStep } = {};
  const h = await harness({
    cluster,
    fault: (step) => {
      if (step === fault.at) throw new Error(`injected at ${step}`);
    },
  });
  return { h, fault };
}

/** Delivers `content` and waits until it was handled. */
const ask = (h: Harness, name: string, content: string) =>
  h.send(name, content, { await_handled: true });

const count = (h: Harness, name: string) => h.sandbox.live(name)[0]?.count;

Deno.test("a deploy that fails at any step leaves no agent, no record and no directory entry", async () => {
  const cluster = new FakeCluster();
  const { h, fault } = await faultyNode(cluster);
  try {
    const before = await observe(h, cluster, "d");
    for (const at of ["deploy.register", "deploy.activate", "deploy.persist"] as const) {
      fault.at = at;
      await assert.rejects(h.deploy("d"), new RegExp(`injected at ${at}`));
      assert.deepEqual(await observe(h, cluster, "d"), before, at);
    }
    fault.at = undefined;
    h.sandbox.refuse = () => new ApiError("DEPLOYMENT_FAILED", "no instance");
    await assert.rejects(h.deploy("d"), /no instance/);
    assert.deepEqual(await observe(h, cluster, "d"), before, "activation refused");
    h.sandbox.refuse = undefined;
    await h.deploy("d");
    assert.equal(cluster.agents.get("d")?.node, "n1");
    await ask(h, "d", "x");
    assert.equal(count(h, "d"), 1);
  } finally {
    await h.close();
  }
});

Deno.test("a deploy refused as a duplicate never deregisters the other node's agent", async () => {
  const cluster = new FakeCluster();
  const a = await harness({ cluster, nodeId: "na" });
  const b = await harness({ cluster, nodeId: "nb" });
  try {
    await a.deploy("tiny");
    for (let i = 0; i < 2; i++) {
      await assert.rejects(
        b.deploy("tiny"),
        (e: ApiError) => e.code === "AGENT_ALREADY_EXISTS",
      );
    }
    assert.deepEqual(cluster.deregistered, []);
    assert.equal(cluster.agents.get("tiny")?.node, "na");
    assert.equal(b.router.hasLocal("tiny"), false);
    assert.equal(b.sandbox.live().length, 0);
    assert.equal(a.agents.get("tiny").status, "running");
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("an update that fails at any step leaves the agent as it was, memory included", async () => {
  const cluster = new FakeCluster();
  const { h, fault } = await faultyNode(cluster);
  try {
    await h.deploy("u", { version: "1.0.0" });
    for (let i = 0; i < 3; i++) await ask(h, "u", "tick");
    const before = await observe(h, cluster, "u");
    const change = {
      bytes: new TextEncoder().encode("u v2"),
      config: UpdateConfigSchema.parse({ version: "2.0.0", limits: { mailbox: 10 } }),
    };
    let n = 3;
    for (const at of ["update.persist", "update.activate", undefined] as const) {
      fault.at = at;
      h.sandbox.refuse = (o) =>
        !at && o.limits?.mailbox === 10
          ? new ApiError("INVALID_REQUEST", "memory too small")
          : undefined;
      await assert.rejects(h.agents.update("u", change), at ? /injected/ : /memory too small/);
      h.sandbox.refuse = undefined;
      assert.deepEqual(await observe(h, cluster, "u"), before, at ?? "activation refused");
      // Back from its last checkpoint: the count goes on.
      await ask(h, "u", "tick");
      assert.equal(count(h, "u"), ++n, at);
    }
    fault.at = undefined;
    const v = await h.agents.update("u", change);
    assert.equal(v.version, "2.0.0");
    assert.equal(v.status, "running");
    assert.equal(((await h.kv.get(["agents", "u"])).value as { version: string }).version, "2.0.0");
    await ask(h, "u", "tick");
    assert.equal(count(h, "u"), 1); // the new component starts fresh
  } finally {
    await h.close();
  }
});

Deno.test("a start that fails at any step leaves the agent stopped", async () => {
  const cluster = new FakeCluster();
  const { h, fault } = await faultyNode(cluster);
  try {
    await h.deploy("s");
    await h.agents.stop("s");
    const before = await observe(h, cluster, "s");
    assert.equal(before.directory?.state, "stopped");
    for (const at of ["start.activate", "start.persist"] as const) {
      fault.at = at;
      await assert.rejects(h.agents.resume("s"), /injected/);
      assert.deepEqual(await observe(h, cluster, "s"), before, at);
    }
    fault.at = undefined;
    assert.equal((await h.agents.resume("s")).status, "running");
    assert.equal(cluster.agents.get("s")?.state, "running");
  } finally {
    await h.close();
  }
});

Deno.test("a delete that fails leaves the agent running where it was", async () => {
  const cluster = new FakeCluster();
  const { h, fault } = await faultyNode(cluster);
  try {
    await h.deploy("x");
    for (let i = 0; i < 2; i++) await ask(h, "x", "put:k");
    const before = await observe(h, cluster, "x");
    fault.at = "delete.persist";
    await assert.rejects(h.agents.remove("x"), /injected/);
    assert.deepEqual(await observe(h, cluster, "x"), before);
    assert.equal(count(h, "x"), 2);
    fault.at = undefined;
    await h.agents.remove("x");
    const gone = await observe(h, cluster, "x");
    assert.deepEqual(gone, {
      view: undefined,
      record: null,
      directory: undefined,
      live: 0,
      routed: false,
    });
    assert.equal((await h.kv.list({ prefix: ["storage", "x"] }).next()).done, true);
  } finally {
    await h.close();
  }
});

Deno.test("a move's pause that fails at any step leaves the agent running and unlocked", async () => {
  const cluster = new FakeCluster();
  const { h, fault } = await faultyNode(cluster);
  try {
    await h.deploy("mv");
    await ask(h, "mv", "tick");
    const before = await observe(h, cluster, "mv");
    const hop = { from: "n1", to: "n2", at: new Date().toISOString(), nonce: "n" };
    let n = 1;
    for (const at of ["move.hold", "move.capture"] as const) {
      fault.at = at;
      await assert.rejects(h.agents.pauseForMove("mv", hop), /injected/);
      assert.deepEqual(await observe(h, cluster, "mv"), before, at);
      assert.deepEqual(await h.held.list("mv"), [], at);
      await ask(h, "mv", "tick"); // not held
      assert.equal(count(h, "mv"), ++n);
    }
    fault.at = undefined;
    // The lifecycle lock was released: another operation runs.
    assert.equal((await h.agents.stop("mv")).status, "stopped");
  } finally {
    await h.close();
  }
});

Deno.test("a deploy stores the record it keeps in memory (written while the agent activates)", async () => {
  // A clock that moves on every read: any record built at another moment differs.
  let t = Date.parse("2026-01-01T00:00:00Z");
  const h = await harness({ cluster: new FakeCluster(), now: () => (t += 7) });
  try {
    await h.deploy("r");
    const stored = (await h.kv.get<Record<string, unknown>>(["agents", "r"])).value;
    assert.equal(stored?.state, "running");
    assert.equal(stored?.updated_at, h.agents.get("r").updated_at);
  } finally {
    await h.close();
  }
});
