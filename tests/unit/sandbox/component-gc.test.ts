// Components no agent uses are deleted after a grace period (issue 11, point 8): the pure
// decision, and the collector over a real store, real Deno KV and the agent manager.
import assert from "node:assert/strict";
import { watAgentBytes } from "../../../agents/build/mod.ts";
import {
  AgentManager,
  componentHashesInUse,
  DeployConfigSchema,
} from "../../../runtime/agents/mod.ts";
import { EventBus } from "../../../runtime/events/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { MessageRouter } from "../../../runtime/routing/mod.ts";
import {
  ComponentCollector,
  componentsToCollect,
  ComponentStore,
  Sandbox,
} from "../../../runtime/sandbox/mod.ts";

Deno.test("componentsToCollect: unused past the grace period, never one in use", () => {
  const stored = [
    { hash: "old", lastUsedMs: 0 },
    { hash: "recent", lastUsedMs: 500 },
    { hash: "used", lastUsedMs: 0 },
    { hash: "edge", lastUsedMs: 400 },
  ];
  assert.deepEqual(componentsToCollect(stored, new Set(["used"]), 1000, 600), ["edge", "old"]);
  assert.deepEqual(componentsToCollect(stored, new Set(["used"]), 999, 600), ["old"]);
  assert.deepEqual(componentsToCollect(stored, new Set(), 100, 600), []);
  assert.deepEqual(componentsToCollect([], new Set(), 1e12, 0), []);
});

async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "fipa-gc-" });
  let now = 1_000_000;
  const clock = {
    advance: (ms: number) => (now += ms),
  };
  const store = new ComponentStore({ dir: `${dir}/components`, now: () => now });
  const kv = await Deno.openKv(`${dir}/node.kv`);
  const sandbox = new Sandbox({ store, nodeId: "n1" });
  const agents = new AgentManager({
    kv,
    store,
    sandbox,
    router: new MessageRouter("n1"),
    events: new EventBus("n1"),
    log: silentLogger,
    nodeId: "n1",
    now: () => now,
  });
  const grace = 600_000;
  const collector = new ComponentCollector({
    store,
    graceMs: grace,
    inUse: () => componentHashesInUse(kv),
  });
  const tiny = await watAgentBytes("tiny");
  const counter = await watAgentBytes("tiny-counter");
  const deploy = async (name: string, bytes: Uint8Array) =>
    (await agents.deploy(bytes, DeployConfigSchema.parse({ name }))).hash as string;
  const onDisk = async () => (await store.entries()).map((e) => e.hash).sort();
  return {
    store,
    agents,
    collector,
    clock,
    grace,
    tiny,
    counter,
    deploy,
    onDisk,
    async close() {
      await agents.close();
      await sandbox.close();
      store.close();
      kv.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("a deleted agent's component is collected after the grace period; one in use never", async () => {
  const s = await setup();
  try {
    const a = await s.deploy("a", s.tiny);
    const b = await s.deploy("b", s.counter);
    assert.deepEqual(await s.collector.sweep(), []);
    await s.agents.remove("a");
    s.clock.advance(s.grace - 1);
    assert.deepEqual(await s.collector.sweep(), [], "still within the grace period");
    assert.deepEqual(await s.onDisk(), [a, b].sort());
    s.clock.advance(1);
    assert.deepEqual(await s.collector.sweep(), [a]);
    assert.deepEqual(await s.onDisk(), [b]);
    assert.equal(await s.store.has(a), false);
    // The agent in use keeps its component however long ago it was loaded.
    s.clock.advance(100 * s.grace);
    assert.deepEqual(await s.collector.sweep(), []);
    assert.deepEqual(await s.onDisk(), [b]);
    // A collected component deploys again from its bytes.
    assert.equal(await s.deploy("a", s.tiny), a);
  } finally {
    await s.close();
  }
});

Deno.test("a component re-deployed within the grace period is kept", async () => {
  const s = await setup();
  try {
    const h = await s.deploy("c", s.tiny);
    await s.collector.sweep();
    await s.agents.remove("c");
    s.clock.advance(s.grace / 2);
    assert.equal(await s.deploy("d", s.tiny), h);
    await s.agents.remove("d");
    s.clock.advance(s.grace / 2 + 1);
    // Past the first deletion's grace, within the second's.
    assert.deepEqual(await s.collector.sweep(), []);
    assert.deepEqual(await s.onDisk(), [h]);
    s.clock.advance(s.grace / 2);
    assert.deepEqual(await s.collector.sweep(), [h]);
  } finally {
    await s.close();
  }
});

Deno.test("the store refuses to delete a component loaded after the collector decided", async () => {
  const s = await setup();
  try {
    const h = (await s.store.load(s.tiny)).hash;
    const decidedAt = s.store.now();
    s.clock.advance(1);
    await s.store.load(s.tiny); // a deploy under way
    assert.equal(await s.store.remove(h, decidedAt), false);
    assert.equal(await s.store.has(h), true);
    assert.equal(await s.store.remove(h, s.store.now()), true);
    assert.equal(await s.store.has(h), false);
  } finally {
    await s.close();
  }
});
