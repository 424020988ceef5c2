// The registry: agents by name, full name and id; the per-agent lifecycle lock.
import assert from "node:assert/strict";
import { aid } from "../../../runtime/acl/mod.ts";
import { AgentRegistry } from "../../../runtime/agents/registry.ts";
import { SETTLED } from "../../../runtime/agents/managed.ts";
import type { ApiError } from "../../../runtime/errors/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { MessageRouter } from "../../../runtime/routing/mod.ts";
import { FakeCluster } from "./fake-sandbox.ts";
import { record } from "./parts.ts";

function registry() {
  const router = new MessageRouter("plat");
  const cluster = new FakeCluster();
  const delivered: string[] = [];
  const reg = new AgentRegistry({
    deps: { router, directory: cluster.directory("n1"), log: silentLogger, nodeId: "n1" },
    now: () => 0,
    deliver: (m, d) => void delivered.push(`${m.record.name}:${d.message.content}`),
  });
  return { reg, router, cluster, delivered };
}

Deno.test("registry: an agent is found by name, full name and id, and reached through the router", async () => {
  const { reg, router, delivered } = registry();
  const m = reg.track(record("echo"));
  assert.equal(reg.find("echo"), m);
  assert.equal(reg.find("echo@plat"), m);
  assert.equal(reg.find("agent_echo"), m);
  assert.throws(() => reg.find("nobody"), /Agent 'nobody' not found/);
  await router.route({
    message_id: "m1",
    message: { performative: "inform", receivers: [aid("echo")], content: "hi" },
    accepted_at: new Date(0).toISOString(),
  });
  assert.deepEqual(delivered, ["echo:hi"]);
  // Agents of one component share what they repeat (one copy for 100,000 sleepers).
  const other = reg.track(record("other"));
  assert.equal(other.record.manifest, m.record.manifest);
  assert.equal(other.record.limits, m.record.limits);
  reg.untrack(m);
  assert.equal(reg.has("echo"), false);
  assert.equal(router.hasLocal("echo"), false);
});

Deno.test("registry: operations on one agent run one at a time, in order; a failure does not block the next", async () => {
  const { reg } = registry();
  const m = reg.track(record("a"));
  const log: string[] = [];
  const gate = Promise.withResolvers<void>();
  const first = reg.serial(m, async () => {
    log.push("1 start");
    await gate.promise;
    log.push("1 end");
  });
  const second = reg.serial(m, () => Promise.reject(new Error("2 failed")));
  const third = reg.serial(m, () => {
    log.push("3");
    return Promise.resolve(3);
  });
  await Promise.resolve();
  assert.deepEqual(log, ["1 start"]);
  gate.resolve();
  await first;
  await assert.rejects(second, /2 failed/);
  assert.equal(await third, 3);
  assert.deepEqual(log, ["1 start", "1 end", "3"]);
  // The lock keeps nothing of the last result (a sleeping agent must not hold its last view).
  assert.equal(await m.busy, undefined);
  // Once the lock is free, every agent shares one settled promise (none kept per sleeper).
  await null;
  assert.equal(m.busy, SETTLED);
  assert.equal(reg.track(record("b")).busy, SETTLED);
});

Deno.test("registry: an operation queued behind the agent's removal finds it gone; a lock holds others", async () => {
  const { reg } = registry();
  const m = reg.track(record("a"));
  reg.lock(m);
  let ran = false;
  const later = reg.serial(m, () => {
    ran = true;
    return Promise.resolve();
  });
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(ran, false, "held by the lock");
  reg.untrack(m);
  reg.unlock(m);
  await assert.rejects(
    later,
    (e: ApiError) => e.code === "AGENT_NOT_FOUND" && /no longer on this node/.test(e.message),
  );
  assert.equal(ran, false);
});

Deno.test("registry: a state change reaches the record and the directory", async () => {
  const { reg, cluster } = registry();
  await cluster.directory("n1").register(record("a"), {});
  const m = reg.track(record("a"));
  reg.setState(m, "stopped");
  assert.equal(m.record.state, "stopped");
  await Promise.resolve();
  assert.equal(cluster.agents.get("a")?.state, "stopped");
  assert.equal(reg.view(m).status, "stopped");
  assert.equal(reg.view(m).full_name, "a@plat");
});

Deno.test("registry: sorted names follow agents coming and going", () => {
  const { reg } = registry();
  const b = reg.track(record("b"));
  reg.track(record("a"));
  assert.deepEqual(reg.sortedNames(), ["a", "b"]);
  reg.track(record("C"));
  assert.deepEqual(reg.sortedNames(), ["a", "b", "C"]);
  reg.untrack(b);
  assert.deepEqual(reg.sortedNames(), ["a", "C"]);
  assert.deepEqual(reg.sortedNames(), [...reg.sortedNames()].sort((x, y) => x.localeCompare(y)));
});

Deno.test("registry: sorted names stay in order through many arrivals and departures", () => {
  const { reg } = registry();
  // A fixed shuffle of 3,000 names, listed after each arrival and departure of a batch.
  const names = Array.from({ length: 3000 }, (_, i) => `n${(i * 7919) % 3000}`);
  const tracked = new Map<string, ReturnType<typeof reg.track>>();
  for (let i = 0; i < names.length; i++) {
    tracked.set(names[i], reg.track(record(names[i])));
    if (i % 250 === 0) reg.sortedNames();
  }
  for (let i = 0; i < names.length; i += 3) reg.untrack(tracked.get(names[i])!);
  const left = names.filter((_, i) => i % 3 !== 0);
  assert.deepEqual(reg.sortedNames(), [...left].sort((x, y) => x.localeCompare(y)));
});
