// The restart supervisor: a failed agent is marked with its reason, restarted from its last
// checkpoint when its strategy says so (timers injected), and the reason stays on its record.
import assert from "node:assert/strict";
import { type AclMessage, aid } from "../../../runtime/acl/mod.ts";
import type { Managed } from "../../../runtime/agents/managed.ts";
import { AgentStore } from "../../../runtime/agents/agent-store.ts";
import { Instances } from "../../../runtime/agents/instances.ts";
import { type AgentManagerDeps, decideRestart } from "../../../runtime/agents/mod.ts";
import { AgentRegistry } from "../../../runtime/agents/registry.ts";
import { RestartSupervisor } from "../../../runtime/agents/supervisor.ts";
import { ManualTimers } from "../../../runtime/async/mod.ts";
import { EventBus } from "../../../runtime/events/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { MessageRouter } from "../../../runtime/routing/mod.ts";
import { fakeComponents, FakeSandbox } from "./fake-sandbox.ts";
import { harness } from "./harness.ts";
import { record } from "./parts.ts";

async function setup() {
  const kv = await Deno.openKv(":memory:");
  const timers = new ManualTimers();
  const now = () => 1_000_000 + timers.now();
  const sandbox = new FakeSandbox();
  const events = new EventBus("n1");
  const seen: string[] = [];
  const restarted = Promise.withResolvers<void>();
  events.subscribe({}, (e) => {
    seen.push(e.type);
    if (e.type === "agent.restarted") restarted.resolve();
  });
  const deps: AgentManagerDeps = {
    kv,
    store: fakeComponents,
    sandbox,
    router: new MessageRouter("plat"),
    events,
    log: silentLogger,
    nodeId: "n1",
  };
  const store = new AgentStore(kv);
  const registry = new AgentRegistry({ deps, now, deliver: () => {} });
  const instances: Instances = new Instances(deps, store, registry, now, {
    sent: () => Promise.resolve(),
    failed: (m, f) => supervisor.failed(m, f),
    migrate: () => {},
    redeliver: () => {},
    lost: () => {},
  });
  const supervisor = new RestartSupervisor(deps, store, registry, instances, timers, now);
  return {
    kv,
    timers,
    sandbox,
    registry,
    instances,
    supervisor,
    store,
    seen,
    restarted: restarted.promise,
  };
}

/** The agent's instance fails on a message (and reports it, as the sandbox does). */
async function trap(m: Managed): Promise<void> {
  const msg: AclMessage = {
    performative: "inform",
    receivers: [aid(m.record.name)],
    content: "trap",
  };
  await assert.rejects(m.handle!.deliver(msg), /failed \(trap\)/);
  await settle();
}

/** Lets the restart's promise chain run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

Deno.test("supervisor: a failed agent restarts after its backoff and keeps the failure's reason", async () => {
  const s = await setup();
  try {
    const strategy = { type: "backoff", initial_ms: 100, max_ms: 1000, multiplier: 2 } as const;
    const delay = decideRestart(strategy, { times: [], consecutive: 0 }, 0);
    assert.ok(delay.restart && delay.delayMs > 0);
    const m = s.registry.track(record("a", { restart: strategy }));
    await s.instances.activate(m);
    await trap(m);
    assert.equal(m.record.state, "failed");
    assert.equal(m.handle, undefined);
    assert.deepEqual(m.record.failure?.reason, "trap");
    s.timers.advance(delay.delayMs - 1);
    await settle();
    assert.equal(s.sandbox.live("a").length, 0, "not before the backoff");
    s.timers.advance(1);
    await s.restarted;
    assert.equal(m.record.state, "running");
    assert.equal(m.counters.restarts, 1);
    assert.equal(s.sandbox.live("a").length, 1);
    assert.equal(m.record.failure?.message, "unreachable", "the reason stays");
    const stored = (await s.kv.get<{ failure?: { reason: string } }>(["agents", "a"])).value;
    assert.equal(stored?.failure?.reason, "trap");
    assert.ok(s.seen.includes("agent.failed") && s.seen.includes("agent.restarted"));
  } finally {
    s.kv.close();
  }
});

Deno.test("supervisor: strategy none stays failed; a cancelled restart never runs", async () => {
  const s = await setup();
  try {
    const none = s.registry.track(record("none", { restart: "none" }));
    await s.instances.activate(none);
    await trap(none);
    assert.equal(s.timers.pending, 0);
    assert.equal(none.record.state, "failed");

    const later = s.registry.track(record("later", { restart: "immediate" }));
    await s.instances.activate(later);
    await trap(later);
    s.supervisor.cancel(later);
    s.timers.advance(1000);
    await settle();
    assert.equal(later.record.state, "failed");
    assert.equal(s.sandbox.live("later").length, 0);
  } finally {
    s.kv.close();
  }
});

Deno.test("supervisor: a restart waits for the checkpoint the failed instance was committing", async () => {
  const timers = new ManualTimers();
  const h = await harness({ timers });
  try {
    await h.deploy("c", { restart: "immediate" });
    await h.send("c", "put:k", { mode: "at-least-once" });
    const [first] = h.sandbox.live("c");
    const gate = Promise.withResolvers<void>();
    const taken = Promise.withResolvers<void>();
    first.gate = gate.promise;
    first.onCheckpoint = () => taken.resolve();
    // Handled; its checkpoint is taken but not committed yet when the instance fails.
    const acked = h.send("c", "tick", { mode: "at-least-once" });
    await taken.promise;
    await assert.rejects(h.send("c", "trap", { await_handled: true }), /trap/);
    const restarted = Promise.withResolvers<void>();
    h.events.subscribe({ events: ["agent.restarted"] }, () => restarted.resolve());
    timers.advance(0); // the restart begins while the commit is under way
    // Give a restart that did not wait the turns it needs to read the old checkpoint (one
    // that waits passes whatever happens here).
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
    gate.resolve();
    await acked; // the commit landed: "tick" is acknowledged...
    await restarted.promise;
    const [second] = h.sandbox.live("c");
    assert.notEqual(second, first);
    assert.equal(second.count, 2, "...so the restarted agent has its effect");
  } finally {
    await h.close();
  }
});
