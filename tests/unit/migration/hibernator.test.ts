// The hibernation scheduler over fake agents and a fake clock: a pass reads the activity of the
// agents activated since the last pass and of those whose time has come, not of every
// running agent, and still hibernates each agent once it has been idle for its limit.
import assert from "node:assert/strict";
import { type AgentActivity, Hibernator } from "../../../runtime/migration/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";

/** Running agents the scheduler sees, with counts of what it asked. */
class FakeAgents {
  now = 0;
  reads = 0;
  readonly agents = new Map<string, AgentActivity>();
  activated: string[] = [];
  refuse = new Set<string>();
  hibernated: string[] = [];

  run(name: string, limitSeconds = 60): void {
    this.agents.set(name, {
      name,
      state: "running",
      last_active_ms: this.now,
      hibernate_after_seconds: limitSeconds,
      pending: 0,
    });
    this.activated.push(name);
  }
  touch(name: string): void {
    this.agents.get(name)!.last_active_ms = this.now;
  }
  activityOf(name: string): AgentActivity | undefined {
    this.reads++;
    const a = this.agents.get(name);
    return a?.state === "running" ? { ...a } : undefined;
  }
  takeActivated(): string[] {
    return this.activated.splice(0);
  }
  hibernate(name: string): Promise<unknown> {
    if (this.refuse.has(name)) return Promise.reject(new Error(`'${name}' refused`));
    this.agents.get(name)!.state = "hibernated";
    this.hibernated.push(name);
    return Promise.resolve();
  }
}

function setup() {
  const agents = new FakeAgents();
  const h = new Hibernator({ agents, log: silentLogger, now: () => agents.now });
  return { agents, h };
}

Deno.test("hibernator: a pass reads only what was activated or is due, not every running agent", async () => {
  const { agents, h } = setup();
  for (let i = 0; i < 1000; i++) agents.run(`a${i}`);
  await h.pass();
  assert.equal(agents.reads, 1000, "each activated agent is read once");
  assert.equal(h.watched, 1000);
  // Busy agents only move their timestamps: passes before the first deadline read nothing.
  for (let t = 1000; t < 60_000; t += 1000) {
    agents.now = t;
    for (let i = 0; i < 1000; i += 7) agents.touch(`a${i}`);
    assert.deepEqual(await h.pass(), []);
  }
  assert.equal(agents.reads, 1000);
  // At the deadline every agent is read once; the ones touched since wait for their new one.
  agents.now = 60_000;
  const done = await h.pass();
  // Each read once, and each hibernated one once more (still running after it?).
  assert.equal(agents.reads, 2000 + done.length);
  assert.equal(done.length, 1000 - Math.ceil(1000 / 7));
  assert.ok(!done.includes("a0") && done.includes("a1"));
  assert.equal(h.watched, Math.ceil(1000 / 7));
  agents.now = 59_000 + 60_000;
  assert.deepEqual((await h.pass()).length, Math.ceil(1000 / 7));
  assert.equal(h.watched, 0);
});

Deno.test("hibernator: an agent activated later, woken again, or with a new limit is seen", async () => {
  const { agents, h } = setup();
  await h.pass();
  agents.run("late", 1);
  agents.now = 500;
  assert.deepEqual(await h.pass(), []);
  agents.now = 1000;
  assert.deepEqual(await h.pass(), ["late"]);
  // Woken (activated again) with a longer limit: hibernates after the new one.
  agents.run("late", 5);
  agents.now = 2000;
  assert.deepEqual(await h.pass(), []);
  agents.now = 6000;
  assert.deepEqual(await h.pass(), ["late"]);
  // 0 = never: not waited on at all.
  agents.run("never", 0);
  agents.now = 1e9;
  assert.deepEqual(await h.pass(), []);
  assert.equal(h.watched, 0);
});

Deno.test("hibernator: a due agent that is busy or refuses is looked at again a while later", async () => {
  const { agents, h } = setup();
  agents.run("busy", 1);
  agents.run("held", 1);
  await h.pass();
  agents.agents.get("busy")!.pending = 1;
  agents.refuse.add("held");
  agents.now = 1000;
  assert.deepEqual(await h.pass(), []);
  const reads = agents.reads;
  agents.now = 1500;
  assert.deepEqual(await h.pass(), [], "not retried at once");
  assert.equal(agents.reads, reads);
  agents.agents.get("busy")!.pending = 0;
  agents.refuse.delete("held");
  agents.now = 2000;
  assert.deepEqual(await h.pass(), ["busy", "held"]);
});
