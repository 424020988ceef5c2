// Deploy without activating (`start: "on-message"`): the agent is registered as a hibernated
// agent without a snapshot; its first message starts it fresh, with a wake's guarantees.
import assert from "node:assert/strict";
import { DeployConfigSchema } from "../../../runtime/agents/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";
import { FakeCluster } from "./fake-sandbox.ts";
import { harness } from "./harness.ts";

const hop = { from: "n1", to: "n2", at: new Date(0).toISOString(), nonce: "x" };
const ASLEEP = { start: "on-message" };

Deno.test("deploy asleep: registered, listed and stored as hibernated, with no instance", async () => {
  const cluster = new FakeCluster();
  const h = await harness({ cluster });
  try {
    const view = await h.deploy("dozy", ASLEEP) as { status: string };
    assert.equal(view.status, "hibernated");
    assert.equal(h.sandbox.instances.length, 0, "nothing activated");
    assert.equal(h.agents.get("dozy").status, "hibernated");
    assert.equal(cluster.agents.get("dozy")?.state, "hibernated", "the directory's state");
    const stored = await h.kv.get<{ state: string }>(["agents", "dozy"]);
    assert.equal(stored.value?.state, "hibernated");
    assert.deepEqual(h.agents.takeActivated(), [], "the hibernation scheduler has nothing to do");
    assert.equal(h.agents.list({ status: "hibernated" }).total, 1);
    // Hibernating it again changes nothing; nothing was snapshotted.
    assert.equal((await h.agents.hibernate("dozy")).status, "hibernated");
    assert.equal(h.snapshots.saved.has("dozy"), false);
  } finally {
    await h.close();
  }
});

Deno.test("deploy asleep: the first message starts it fresh and it handles every message once", async () => {
  const cluster = new FakeCluster();
  const h = await harness({ cluster });
  try {
    await h.deploy("dozy", ASLEEP);
    // At least once while it wakes: each resolves once handled and checkpointed.
    await Promise.all([
      h.send("dozy", "put:a", { mode: "at-least-once" }),
      h.send("dozy", "tick", { mode: "at-least-once" }),
    ]);
    const [i] = h.sandbox.live("dozy");
    assert.equal(h.sandbox.instances.length, 1, "one activation");
    assert.equal(i.opts.snapshot, undefined, "fresh: no memory to start from (init runs)");
    assert.deepEqual(i.received.map((m) => m.content), ["put:a", "tick"]);
    assert.equal(i.count, 2);
    assert.equal(h.agents.get("dozy").status, "running");
    assert.deepEqual(h.agents.takeActivated(), ["dozy"]);
    assert.equal(cluster.agents.get("dozy")?.state, "running");
  } finally {
    await h.close();
  }
});

Deno.test("deploy asleep: a node restart keeps it asleep; its message then starts it", async () => {
  const kv = await Deno.openKv(":memory:");
  const first = await harness({ kv });
  await first.deploy("dozy", ASLEEP);
  await first.agents.close({ snapshotBudgetMs: 0 });
  const again = await harness({ kv });
  try {
    await again.agents.restore();
    assert.equal(again.agents.get("dozy").status, "hibernated");
    assert.equal(again.sandbox.instances.length, 0, "not started by the restart");
    await again.send("dozy", "tick", { mode: "at-least-once" });
    const [i] = again.sandbox.live("dozy");
    assert.equal(i.count, 1);
    assert.equal(again.agents.get("dozy").status, "running");
  } finally {
    await again.close();
  }
});

Deno.test("deploy asleep: POST start starts it fresh", async () => {
  const h = await harness();
  try {
    await h.deploy("dozy", ASLEEP);
    assert.equal((await h.agents.resume("dozy")).status, "running");
    const [i] = h.sandbox.live("dozy");
    assert.equal(i.opts.snapshot, undefined);
    assert.equal((await h.kv.get<{ state: string }>(["agents", "dozy"])).value?.state, "running");
  } finally {
    await h.close();
  }
});

Deno.test("deploy asleep: a move starts it on the node it leaves and holds its messages", async () => {
  const h = await harness();
  try {
    await h.deploy("dozy", ASLEEP);
    const capture = await h.agents.pauseForMove("dozy", hop);
    assert.equal(capture.record.state, "running");
    assert.deepEqual(capture.memory.instances[0].globals, [{ index: 0, value: 0 }]);
    assert.deepEqual(capture.history, [hop]);
    await h.send("dozy", "put:a");
    const [i] = h.sandbox.live("dozy");
    assert.equal(i.count, 0, "held, not delivered");
    // The move did not happen: it continues here, awake, with what it held.
    await h.agents.resumeAfterMove("dozy");
    await h.send("dozy", "tick", { await_handled: true });
    assert.deepEqual(i.received.map((m) => m.content), ["put:a", "tick"]);
  } finally {
    await h.close();
  }
});

Deno.test("deploy asleep: refused without a snapshot store, and for several replicas", async () => {
  const h = await harness({ snapshots: undefined });
  try {
    await assert.rejects(
      h.deploy("dozy", ASLEEP),
      (e) => e instanceof ApiError && e.code === "UNAVAILABLE" && /'dozy'/.test(e.message),
    );
    assert.equal(h.agents.has("dozy"), false);
  } finally {
    await h.close();
  }
  const many = DeployConfigSchema.safeParse({ name: "x", start: "on-message", replicas: 3 });
  assert.equal(many.success, false);
  assert.match(many.error!.issues[0].message, /replicas is 3/);
  assert.deepEqual(many.error!.issues[0].path, ["start"]);
  const bad = DeployConfigSchema.safeParse({ name: "x", start: "lazy" });
  assert.equal(bad.success, false);
  assert.match(bad.error!.issues[0].message, /'on-deploy', 'on-message', not "lazy"/);
  assert.equal(DeployConfigSchema.parse({ name: "x" }).start, undefined, "on-deploy by default");
});
