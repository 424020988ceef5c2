// Mobility on a fake sandbox: hibernation and waking keep the agent's memory; a move's
// pause holds messages (in the held log) and hands them over in order.
import assert from "node:assert/strict";
import { harness } from "./harness.ts";

const hop = { from: "n1", to: "n2", at: new Date(0).toISOString(), nonce: "x" };

Deno.test("mobility: a hibernated agent wakes on its next message with its memory", async () => {
  const h = await harness();
  try {
    await h.deploy("sleepy");
    // The hibernation scheduler is told of each activation once, and reads one agent alone.
    assert.deepEqual(h.agents.takeActivated(), ["sleepy"]);
    assert.deepEqual(h.agents.takeActivated(), []);
    assert.equal(h.agents.activityOf("sleepy")?.state, "running");
    for (let i = 0; i < 3; i++) await h.send("sleepy", "tick", { await_handled: true });
    assert.deepEqual(h.agents.takeActivated(), [], "messages are not activations");
    const v = await h.agents.hibernate("sleepy");
    assert.equal(v.status, "hibernated");
    // The hibernation scheduler's list leaves sleepers out (it only hibernates running ones).
    assert.deepEqual(h.agents.activity().map((a) => a.name), []);
    assert.equal(h.agents.activityOf("sleepy"), undefined);
    assert.deepEqual(h.agents.takeActivated(), []);
    assert.equal(h.sandbox.live("sleepy").length, 0);
    assert.ok(h.snapshots.saved.has("sleepy"));
    await h.send("sleepy", "tick", { mode: "at-least-once" });
    assert.equal(h.agents.get("sleepy").status, "running");
    const [woken] = h.sandbox.live("sleepy");
    assert.equal(woken.count, 4);
    assert.deepEqual(h.agents.activity().map((a) => a.name), ["sleepy"]);
    assert.deepEqual(h.agents.takeActivated(), ["sleepy"], "woken: the scheduler is told");
  } finally {
    await h.close();
  }
});

Deno.test("mobility: a paused agent holds its messages in the held log; resuming delivers them in order", async () => {
  const h = await harness();
  try {
    await h.deploy("mv");
    await h.send("mv", "tick", { await_handled: true });
    const capture = await h.agents.pauseForMove("mv", hop);
    assert.deepEqual(capture.history, [hop]);
    assert.equal(capture.record.state, "running");
    await h.send("mv", "put:a");
    await h.send("mv", "put:b");
    const [instance] = h.sandbox.live("mv");
    assert.equal(instance.count, 1, "held, not delivered");
    assert.deepEqual(
      (await h.held.list("mv")).map((q) => q.delivery.message.content),
      ["put:a", "put:b"],
    );
    await h.agents.resumeAfterMove("mv");
    await h.send("mv", "tick", { await_handled: true });
    assert.deepEqual(instance.received.map((m) => m.content), ["tick", "put:a", "put:b", "tick"]);
    assert.deepEqual(await h.held.list("mv"), []);
  } finally {
    await h.close();
  }
});

Deno.test("mobility: a committed move hands the held messages over and the agent leaves", async () => {
  const h = await harness();
  try {
    await h.deploy("gone");
    await h.agents.pauseForMove("gone", hop);
    await h.send("gone", "a");
    const held = h.agents.releaseMoved("gone");
    assert.deepEqual(held.map((q) => q.delivery.message.content), ["a"]);
    assert.equal(h.agents.has("gone"), false);
    assert.equal(h.router.hasLocal("gone"), false);
    assert.equal(h.sandbox.live("gone").length, 0);
    await h.agents.forgetMoved("gone");
    assert.equal((await h.kv.get(["agents", "gone"])).value, null);
  } finally {
    await h.close();
  }
});

Deno.test("mobility: a hibernated agent keeps no checkpoint index; waking reads it again", async () => {
  const h = await harness();
  try {
    // An at-least-once message resolves once a checkpoint made its handling durable.
    for (const n of ["a", "b", "c"]) {
      await h.deploy(n);
      await h.send(n, "tick", { mode: "at-least-once" });
    }
    assert.equal(h.agents.stats().checkpointIndexes, 3);
    await h.agents.hibernate("a");
    await h.agents.hibernate("b");
    assert.equal(h.agents.stats().checkpointIndexes, 1);
    // The woken agent's checkpoints go on from the stored ones (its memory, then a delta).
    await h.send("a", "tick", { mode: "at-least-once" });
    assert.equal(h.agents.stats().checkpointIndexes, 2);
    await h.send("a", "tick", { mode: "at-least-once" });
    await h.agents.hibernate("a");
    await h.send("a", "tick", { mode: "at-least-once" });
    assert.equal(h.sandbox.live("a")[0].count, 4);
  } finally {
    await h.close();
  }
});
