// A node restarts while another node's rolling deployment replaced the version of a stateless
// agent it holds hibernated. Its own instance is restored unstarted until the node has caught
// up with the directory (a linearizable read) and the replica host has aligned it: a message
// that arrives before then waits (it is not handled by the replaced version, nor lost, nor
// handled twice) and wakes the agent at the directory's version once aligned (one that was
// running waits the same way rather than being refused). Agents that are not held back wake
// at once; a timer due meanwhile fires once aligned. Real agent manager
// (fake sandbox, in-memory KV) and real replica host; the directory, the read and the network
// are fakes (see fixtures.ts).
import assert from "node:assert/strict";
import { aid } from "../../../runtime/acl/mod.ts";
import type { AgentSandbox } from "../../../runtime/agents/mod.ts";
import { saveTimerTables } from "../../../runtime/agents/agent-timers.ts";
import { pollUntil } from "../../../runtime/async/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";
import { newMessageId } from "../../../runtime/routing/mod.ts";
import { harness } from "../agents/harness.ts";
import { sha256 } from "../agents/fake-sandbox.ts";
import { AT, directory, hibernatedOnStop, restart, turns, version } from "./fixtures.ts";

const te = new TextEncoder();
const hop = { from: "n1", to: "n2", at: AT, nonce: "x" };

Deno.test("wake held: a hibernated agent held back at restart wakes only once aligned, at the directory's version, with the message once", async () => {
  const before = await hibernatedOnStop("st", "v1", 2);
  const H1 = await sha256(te.encode("v1"));
  const H2 = await sha256(te.encode("v2"));
  assert.equal(before.held.hash, H1);
  // Another node's rolling deployment recorded 2.0.0 while this node was down.
  const state = directory("st", [version(1, H1, before.deployment), version(2, H2, "d2")]);
  const node = await restart(before, state);
  const { h, read } = node;
  try {
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
    await node.close();
  }
});

Deno.test("wake held: held back, an agent is neither moved nor started before it is aligned", async () => {
  const before = await hibernatedOnStop("mv", "v1", 1);
  const H1 = await sha256(te.encode("v1"));
  const H2 = await sha256(te.encode("v2"));
  const state = directory("mv", [version(1, H1, before.deployment), version(2, H2, "d2")]);
  const node = await restart(before, state);
  const { h, read } = node;
  try {
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
    await node.close();
  }
});

Deno.test("wake held: held back at the version the directory has, it wakes once aligned from its snapshot", async () => {
  const before = await hibernatedOnStop("kept", "v1", 3);
  const H1 = await sha256(te.encode("v1"));
  const state = directory("kept", [version(1, H1, before.deployment)]);
  const node = await restart(before, state);
  const { h, read } = node;
  try {
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
    await node.close();
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
  const fired: string[] = [];
  const node = await restart({ kv }, state, {
    prepare: (h) =>
      (h.sandbox as AgentSandbox).fireTimer = (agent) => {
        fired.push(h.sandbox.live(agent.split("@")[0]).map((i) => i.opts.hash).join());
        return Promise.resolve();
      },
  });
  const { h, read } = node;
  try {
    await turns();
    assert.deepEqual(fired, [], "not fired before the node caught up");
    read.resolve();
    await pollUntil("the timer fired", () => fired.length > 0 || undefined, { timeoutMs: 5_000 });
    assert.deepEqual(fired, [H2]);
    assert.equal(h.agents.get("tock").version, "2.0.0");
  } finally {
    await node.close();
  }
});

Deno.test("wake held: a running agent held back at restart holds its messages (no 503) until aligned, then handles each once at the directory's version", async () => {
  const kv = await Deno.openKv(":memory:");
  const first = await harness({ kv });
  await first.deploy(
    "busy",
    { version: "1.0.0", manifest: { stateless: true }, limits: { mailbox: 2 } },
    te.encode("v1"),
  );
  await first.send("busy", "before", { await_handled: true });
  const deployment = first.agents.get("busy").deployment.deployment_id;
  await first.agents.close({ snapshotBudgetMs: 0 }); // it was running when the node stopped
  const H1 = await sha256(te.encode("v1"));
  const H2 = await sha256(te.encode("v2"));
  const state = directory("busy", [version(1, H1, deployment), version(2, H2, "d2")]);
  const node = await restart({ kv }, state);
  const { h, read } = node;
  try {
    assert.equal(h.agents.get("busy").status, "running");
    const acked: string[] = [];
    const refused: string[] = [];
    const send = (content: string) =>
      h.send("busy", content, { mode: "at-least-once" }).then(
        () => acked.push(content),
        (e) => refused.push(`${content}: ${e}`),
      );
    const sent = [send("a"), send("b")];
    await turns();
    assert.deepEqual(refused, [], "not refused while it waits");
    assert.deepEqual(acked, [], "not acknowledged while it waits");
    assert.deepEqual(h.sandbox.live("busy"), [], "not started at the version it held");
    // The mailbox limit applies to what waits.
    await assert.rejects(
      h.send("busy", "c", { mode: "at-least-once" }),
      (e) => e instanceof ApiError && e.code === "RESOURCE_LIMIT_EXCEEDED",
    );

    read.resolve();
    await Promise.all(sent);
    assert.deepEqual(acked, ["a", "b"]);
    const all = h.sandbox.instances.filter((i) => i.name === "busy");
    assert.equal(all.length, 1, "one activation");
    assert.equal(all[0].opts.hash, H2);
    assert.deepEqual(all[0].received.map((m) => m.content), ["a", "b"], "in order, once each");
    assert.equal(h.agents.get("busy").version, "2.0.0");
  } finally {
    await node.close();
  }
});
