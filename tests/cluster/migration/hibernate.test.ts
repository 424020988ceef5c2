// Scale to zero: idle agents hibernate into a snapshot and wake, with their state, on
// their next message; a node restarted from its data directory brings its agents back
// where they stopped.
import assert from "node:assert/strict";
import { deploy, Probe, startTestNode, type TestNode, until } from "./helpers.ts";

async function counterValue(t: TestNode, name: string): Promise<number> {
  const m = await t.n.metrics.registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).reduce((s, v) => s + v.value, 0);
}

Deno.test("an idle agent hibernates; its next message wakes it with its count", async () => {
  const t = await startTestNode("ha", { seed: ["tiny-counter.wasm"] });
  const probe = new Probe(t);
  try {
    await deploy(t, "tiny-counter.wasm", { name: "sleepy", hibernate_after_seconds: 0.2 });
    await deploy(t, "tiny-counter.wasm", { name: "awake", hibernate_after_seconds: 0 });
    for (let i = 1; i <= 3; i++) assert.equal(await probe.ask("sleepy@mp"), i);
    assert.equal(await probe.ask("awake@mp"), 1);
    await until(
      "sleepy hibernated",
      () => t.n.agents.get("sleepy").status === "hibernated" ? true : undefined,
    );
    assert.equal(await counterValue(t, "fipa_edge_hibernations_total"), 1);
    assert.equal(t.n.agents.stats().mailbox.sleepy, undefined, "no instance while hibernated");

    // The next message wakes it, transparently, and it goes on counting.
    assert.equal(await probe.ask("sleepy@mp"), 4);
    assert.equal(t.n.agents.get("sleepy").status, "running");
    assert.equal(await counterValue(t, "fipa_edge_wakes_total"), 1);
    // Several messages at once to a hibernated agent: woken once, all handled in order.
    await until(
      "sleepy hibernated again",
      () => t.n.agents.get("sleepy").status === "hibernated" ? true : undefined,
    );
    const ns = await Promise.all([1, 2, 3, 4, 5].map(() => probe.send("sleepy@mp")));
    await until("five replies", () => ns.every((n) => probe.countFor(n)) || undefined);
    assert.deepEqual(ns.map((n) => probe.countFor(n)), [5, 6, 7, 8, 9]);
    assert.equal(await counterValue(t, "fipa_edge_wakes_total"), 2);

    // hibernate_after_seconds 0 never hibernates.
    assert.equal(t.n.agents.get("awake").status, "running");
  } finally {
    probe.close();
    await t.n.stop();
    await Deno.remove(t.dataDir, { recursive: true });
  }
});

Deno.test("the ComponentizeJS counter hibernates on request and wakes with its heap", async () => {
  const t = await startTestNode("hj", { seed: ["counter.wasm"] });
  const probe = new Probe(t);
  try {
    await deploy(t, "counter.wasm", { name: "js" });
    for (let i = 1; i <= 5; i++) assert.equal(await probe.ask("js@mp"), i);
    const v = await t.n.agents.hibernate("js");
    assert.equal(v.status, "hibernated");
    assert.equal(await probe.ask("js@mp"), 6);
    assert.equal(t.n.agents.get("js").status, "running");
  } finally {
    probe.close();
    await t.n.stop();
    await Deno.remove(t.dataDir, { recursive: true });
  }
});

Deno.test("a restarted node brings back running and hibernated agents where they stopped", async () => {
  const first = await startTestNode("hr", { seed: ["tiny-counter.wasm"] });
  const probe = new Probe(first);
  try {
    await deploy(first, "tiny-counter.wasm", { name: "busy" });
    await deploy(first, "tiny-counter.wasm", { name: "idle" });
    for (let i = 1; i <= 3; i++) assert.equal(await probe.ask("busy@mp"), i);
    for (let i = 1; i <= 2; i++) assert.equal(await probe.ask("idle@mp"), i);
    await first.n.agents.hibernate("idle");
  } finally {
    probe.close();
    await first.n.stop();
  }
  const again = await startTestNode("hr", { dataDir: first.dataDir });
  const probe2 = new Probe(again);
  try {
    assert.equal(again.n.agents.get("busy").status, "running");
    assert.equal(again.n.agents.get("idle").status, "hibernated");
    assert.equal(await probe2.ask("busy@mp"), 4, "continues from its shutdown snapshot");
    assert.equal(await probe2.ask("idle@mp"), 3, "wakes from its hibernation snapshot");
  } finally {
    probe2.close();
    await again.n.stop();
    await Deno.remove(first.dataDir, { recursive: true });
  }
});
