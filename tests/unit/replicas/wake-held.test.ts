// A node restarts while another node's rolling deployment replaced the version of a stateless
// agent it holds hibernated. Its own instance is restored unstarted until the node has caught
// up with the directory (a linearizable read) and the replica host has aligned it: a message
// that arrives before then waits (it is not handled by the replaced version, nor lost, nor
// handled twice) and wakes the agent at the directory's version once aligned. Agents that are
// not held back wake at once; a timer due meanwhile fires once aligned. Real agent manager (fake sandbox, in-memory KV) and real
// replica host; the directory, the read and the network are fakes.
import assert from "node:assert/strict";
import { aid } from "../../../runtime/acl/mod.ts";
import type { AgentSandbox } from "../../../runtime/agents/mod.ts";
import { saveTimerTables } from "../../../runtime/agents/agent-timers.ts";
import { pollUntil } from "../../../runtime/async/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";
import {
  type AgentRecord as DirectoryAgent,
  type AgentVersion,
  createDirectoryState,
  type DirectoryState,
} from "../../../runtime/directory/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import type { NetNode } from "../../../runtime/net/mod.ts";
import { ReplicaHost } from "../../../runtime/replicas/mod.ts";
import { newMessageId } from "../../../runtime/routing/mod.ts";
import { type Harness, harness, MemorySnapshots } from "../agents/harness.ts";
import { sha256 } from "../agents/fake-sandbox.ts";

const te = new TextEncoder();
const AT = "2026-01-01T00:00:00Z";
const hop = { from: "n1", to: "n2", at: AT, nonce: "x" };

/**
 * Node n1's KV and snapshots as it stopped: `name` (stateless) deployed from `bytes`, `n`
 * messages handled, hibernated; and `other` (stateful), hibernated.
 */
async function hibernatedOnStop(name: string, bytes: string, n: number) {
  const kv = await Deno.openKv(":memory:");
  const snapshots = new MemorySnapshots();
  const h = await harness({ kv, snapshots });
  await h.deploy(name, { version: "1.0.0", manifest: { stateless: true } }, te.encode(bytes));
  for (let i = 0; i < n; i++) await h.send(name, "tick", { await_handled: true });
  await h.agents.hibernate(name);
  await h.deploy("other");
  await h.agents.hibernate("other");
  const held = h.agents.get(name);
  await h.agents.close({ snapshotBudgetMs: 0 });
  return { kv, snapshots, held, deployment: held.deployment.deployment_id };
}

function version(seq: number, hash: string, deployment: string): AgentVersion {
  return {
    seq,
    version: `${seq}.0.0`,
    component_hash: hash,
    manifest: { capabilities: [], limits: {}, stateless: true },
    config: { manifest: { stateless: true } },
    node: "n1",
    deployment_id: deployment,
    deployed_at: AT,
  };
}

/** The directory: `name` on n1 at `versions`' newest (not replicated). */
function directory(name: string, versions: AgentVersion[]): DirectoryState {
  const state = createDirectoryState();
  const record: DirectoryAgent = {
    name,
    node: "n1",
    state: "running",
    manifest: { capabilities: [], limits: {}, stateless: true },
    component_hash: versions.at(-1)!.component_hash,
    registered_at: AT,
    updated_at: AT,
  };
  state.agents.set(name, record);
  state.versions.set(name, versions);
  return state;
}

/** A replica host of node n1 over `h`, whose linearizable read resolves when `caughtUp` does. */
function replicaHost(h: Harness, state: DirectoryState, caughtUp: Promise<void>): ReplicaHost {
  const net = {
    handle: () => Promise.resolve(),
    unhandle: () => Promise.resolve(),
  } as unknown as NetNode;
  return new ReplicaHost({
    self: "n1",
    platform: "plat",
    state: () => state,
    onDirectoryEvents: () => () => {},
    propose: () => Promise.reject(new Error("no proposals here")),
    isLeader: () => false,
    linearizableRead: () => caughtUp,
    members: () => ["n1"],
    health: () => ({}),
    deadAfterMs: 2_000,
    loads: () => [],
    router: h.router,
    forward: () => Promise.reject(new Error("no peers here")),
    net,
    addressOf: () => undefined,
    isTrustedPeer: () => true,
    store: { has: () => Promise.resolve(true), original: () => Promise.resolve(undefined) },
    sandbox: h.sandbox,
    agents: h.agents,
    events: h.events,
    log: silentLogger,
    intervalMs: 60_000,
  });
}

/** Lets pending jobs and short timers run. */
async function turns(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 1));
}

Deno.test("wake held: a hibernated agent held back at restart wakes only once aligned, at the directory's version, with the message once", async () => {
  const before = await hibernatedOnStop("st", "v1", 2);
  const H1 = await sha256(te.encode("v1"));
  const H2 = await sha256(te.encode("v2"));
  assert.equal(before.held.hash, H1);
  // Another node's rolling deployment recorded 2.0.0 while this node was down.
  const state = directory("st", [version(1, H1, before.deployment), version(2, H2, "d2")]);
  const h = await harness({ kv: before.kv, snapshots: before.snapshots });
  const read = Promise.withResolvers<void>();
  const host = replicaHost(h, state, read.promise);
  try {
    await h.agents.restore({ defer: (r) => host.deferOwn(r) });
    await host.start();
    assert.equal(h.agents.get("st").status, "hibernated");

    // Before the node caught up: a message waits.
    let acked = false;
    const sent = h.router.route({
      message_id: newMessageId(),
      message: { performative: "inform", receivers: [aid("st")], content: "hello" },
      accepted_at: new Date().toISOString(),
      origin: "http",
      mode: "at-least-once",
    }).then(() => acked = true);
    // A stateful agent of this node, hibernated too, is not held back: it wakes at once.
    await h.send("other", "tick", { mode: "at-least-once" });
    assert.equal(h.sandbox.live("other").length, 1);
    await turns();
    assert.deepEqual(h.sandbox.live("st"), [], "not woken at the version it held");
    assert.equal(acked, false, "not acknowledged while it waits");

    // Caught up: aligned to 2.0.0, woken at it, the message handled once.
    read.resolve();
    await sent;
    const all = h.sandbox.instances.filter((i) => i.name === "st");
    assert.equal(all.length, 1, "one activation");
    assert.equal(all[0].opts.hash, H2);
    assert.deepEqual(all[0].received.map((m) => m.content), ["hello"]);
    assert.equal(all[0].count, 1, "the new version starts fresh (its memory is not 1.0.0's)");
    const v = h.agents.get("st");
    assert.equal(v.version, "2.0.0");
    assert.equal(v.status, "running");
  } finally {
    await host.stop();
    await h.close();
  }
});

Deno.test("wake held: held back, an agent is neither moved nor started before it is aligned", async () => {
  const before = await hibernatedOnStop("mv", "v1", 1);
  const H1 = await sha256(te.encode("v1"));
  const H2 = await sha256(te.encode("v2"));
  const state = directory("mv", [version(1, H1, before.deployment), version(2, H2, "d2")]);
  const h = await harness({ kv: before.kv, snapshots: before.snapshots });
  const read = Promise.withResolvers<void>();
  const host = replicaHost(h, state, read.promise);
  try {
    await h.agents.restore({ defer: (r) => host.deferOwn(r) });
    await host.start();
    // Either would carry 1.0.0 (to another node, or into an instance here).
    await assert.rejects(
      h.agents.pauseForMove("mv", hop),
      (e) => e instanceof ApiError && e.code === "CONFLICT" && /'mv'.*caught up/.test(e.message),
    );
    await assert.rejects(
      h.agents.resume("mv"),
      (e) =>
        e instanceof ApiError && e.code === "UNAVAILABLE" && /'mv'.*caught up/.test(e.message) &&
        e.headers["Retry-After"] === "1",
    );
    assert.deepEqual(h.sandbox.live("mv"), []);
    read.resolve();
    await pollUntil("aligned", () => h.agents.get("mv").version === "2.0.0" || undefined, {
      timeoutMs: 5_000,
    });
    // Aligned: it starts (at 2.0.0) and moves.
    await h.agents.resume("mv");
    assert.deepEqual(h.sandbox.live("mv").map((i) => i.opts.hash), [H2]);
    const capture = await h.agents.pauseForMove("mv", hop);
    assert.equal(capture.record.hash, H2);
    await h.agents.resumeAfterMove("mv");
  } finally {
    await host.stop();
    await h.close();
  }
});

Deno.test("wake held: held back at the version the directory has, it wakes once aligned from its snapshot", async () => {
  const before = await hibernatedOnStop("kept", "v1", 3);
  const H1 = await sha256(te.encode("v1"));
  const state = directory("kept", [version(1, H1, before.deployment)]);
  const h = await harness({ kv: before.kv, snapshots: before.snapshots });
  const read = Promise.withResolvers<void>();
  const host = replicaHost(h, state, read.promise);
  try {
    await h.agents.restore({ defer: (r) => host.deferOwn(r) });
    await host.start();
    const sent = h.send("kept", "a", { mode: "at-least-once" });
    const also = h.send("kept", "b", { mode: "at-least-once" });
    await turns();
    assert.deepEqual(h.sandbox.live("kept"), []);
    read.resolve();
    await Promise.all([sent, also]);
    const [woken] = h.sandbox.live("kept");
    assert.equal(woken.opts.hash, H1);
    assert.deepEqual(woken.received.map((m) => m.content), ["a", "b"], "in order, once each");
    assert.equal(woken.count, 5, "its memory kept (3 before the stop)");
    assert.equal(h.agents.get("kept").version, "1.0.0");
    // Aligned: it hibernates and wakes as any agent.
    await h.agents.hibernate("kept");
    await h.send("kept", "c", { mode: "at-least-once" });
    assert.equal(h.sandbox.live("kept")[0].count, 6);
  } finally {
    await host.stop();
    await h.close();
  }
});

Deno.test("wake held: a timer due at restart fires into an agent held back once aligned, at the directory's version", async () => {
  const kv = await Deno.openKv(":memory:");
  const first = await harness({ kv });
  await first.deploy("tock", { version: "1.0.0", manifest: { stateless: true } }, te.encode("v1"));
  const deployment = first.agents.get("tock").deployment.deployment_id;
  await first.agents.close({ snapshotBudgetMs: 0 });
  // A timer that fell due while the node was down.
  await saveTimerTables(
    kv,
    new Map([["tock", { timers: [{ id: "t1", tag: "x", dueAtMs: Date.now() - 1_000 }] }]]),
  );
  const H1 = await sha256(te.encode("v1"));
  const H2 = await sha256(te.encode("v2"));
  const state = directory("tock", [version(1, H1, deployment), version(2, H2, "d2")]);
  const h = await harness({ kv });
  const fired: string[] = [];
  (h.sandbox as AgentSandbox).fireTimer = (agent) => {
    fired.push(h.sandbox.live(agent.split("@")[0]).map((i) => i.opts.hash).join());
    return Promise.resolve();
  };
  const read = Promise.withResolvers<void>();
  const host = replicaHost(h, state, read.promise);
  try {
    await h.agents.restore({ defer: (r) => host.deferOwn(r) });
    await host.start();
    await turns();
    assert.deepEqual(fired, [], "not fired before the node caught up");
    read.resolve();
    await pollUntil("the timer fired", () => fired.length > 0 || undefined, { timeoutMs: 5_000 });
    assert.deepEqual(fired, [H2]);
    assert.equal(h.agents.get("tock").version, "2.0.0");
  } finally {
    await host.stop();
    await h.close();
  }
});
