/**
 * A durable agent whose Worker is stopped because a neighbour hung (the watchdog) keeps
 * every acknowledged at-least-once message exactly once: its memory and its storage both come
 * back from its last committed checkpoint, the handlings that checkpoint did not cover are
 * handled again, and the calls its Worker had not answered are handled once. Real Workers,
 * the tiny counter (a count in memory and the same count in storage) next to a looping agent.
 */
import assert from "node:assert/strict";
import { pollUntil } from "../../../runtime/async/mod.ts";
import { UpdateConfigSchema } from "../../../runtime/agents/mod.ts";
import { watAgentBytes } from "../../../agents/build/mod.ts";
import { RealNode } from "./real-node.ts";

/** Sends `n` at-least-once increments to `to`, all at once; resolves when all are acknowledged. */
function increments(node: RealNode, to: string, n: number): Promise<void[]> {
  return Promise.all(
    Array.from({ length: n }, () => node.send(to, "request", "inc", { mode: "at-least-once" })),
  );
}

/** The counter's count in memory (`query-if`) and in storage (`query-ref`). */
async function counts(node: RealNode, name: string): Promise<{ memory: number; storage: number }> {
  const count = async (performative: string) => {
    const c = await node.ask(name, performative);
    return (typeof c === "string" ? JSON.parse(c) : c).count as number;
  };
  return { memory: await count("query-if"), storage: await count("query-ref") };
}

/** Makes `loop` hang its Worker; resolves once the watchdog stopped it (with its Worker). */
async function hang(
  node: RealNode,
  loop: string,
  meanwhile: () => Promise<unknown>,
): Promise<void> {
  await node.send(loop, "request", "spin");
  // Sent while the Worker hangs: they wait in its queue, or for the counter's new instance.
  const during = meanwhile();
  const failed = () =>
    node.seen.some((e) => e.type === "agent.failed" && e.agent_id === loop) ||
    node.agents.get(loop).status === "failed";
  await pollUntil(`the watchdog to stop ${loop}`, () => failed() || undefined, {
    intervalMs: 10,
  });
  await during;
  assert.equal(node.agents.get(loop).failure?.reason, "watchdog");
}

/** The counter was started again after the loss, and not marked failed. */
function assertReplaced(node: RealNode, name: string): void {
  assert.equal(node.agents.get(name).status, "running");
  assert.ok(!node.seen.some((e) => e.type === "agent.failed" && e.agent_id === name));
  assert.ok(
    node.seen.some((e) =>
      e.type === "agent.restarted" && e.agent_id === name && e.details?.cause === "worker-lost"
    ),
  );
}

function assertShared(node: RealNode): void {
  assert.ok(
    node.sandbox.stats().agentsPerWorker.includes(2),
    `counter and loop share a Worker: ${JSON.stringify(node.sandbox.stats())}`,
  );
}

async function neighbourLosses(counter: string): Promise<void> {
  const node = await RealNode.start();
  try {
    // The counter's limit is generous (this test is not about it); the loop's is short, so
    // the watchdog stops it soon after its wall-time backstop (`wallBackstopMs(50)`).
    await node.deploy(counter, "c", { limits: { cpu_ms_per_call: 5_000 } });
    await node.deploy("hostile-loop", "loop", {
      limits: { cpu_ms_per_call: 50 },
      restart: "none",
    });
    assertShared(node);
    await increments(node, "c", 20);
    assert.deepEqual(await counts(node, "c"), { memory: 20, storage: 20 });

    // The loop hangs the shared Worker. Increments sent meanwhile (at least once, and one at
    // most once) are handled once by the counter's new instance, which starts from its last
    // checkpoint: the 20 acknowledged ones are in it.
    await hang(
      node,
      "loop",
      () => Promise.all([increments(node, "c", 5), node.send("c", "request", "inc")]),
    );
    assertReplaced(node, "c");
    assert.deepEqual(await counts(node, "c"), { memory: 26, storage: 26 });
    await increments(node, "c", 1); // its checkpoint has the at-most-once one too

    await node.restart();
    assert.deepEqual(await counts(node, "c"), { memory: 27, storage: 27 }, "after a restart");

    // Restored from a checkpoint this time: a second loss must not go back to it either.
    await node.deploy("hostile-loop", "loop2", {
      limits: { cpu_ms_per_call: 50 },
      restart: "none",
    });
    assertShared(node);
    await increments(node, "c", 10);
    await hang(node, "loop2", () => increments(node, "c", 3));
    assertReplaced(node, "c");
    assert.deepEqual(await counts(node, "c"), { memory: 40, storage: 40 });
    await node.restart();
    assert.deepEqual(await counts(node, "c"), { memory: 40, storage: 40 }, "after a restart");
  } finally {
    await node.close();
  }
}

Deno.test("a Worker lost by a neighbour: the tiny counter's memory and storage keep every acknowledged message once", async () => {
  await neighbourLosses("tiny-counter");
});

Deno.test("a Worker lost by a neighbour: the ComponentizeJS counter's memory and storage keep every acknowledged message once", async () => {
  await neighbourLosses("counter.wasm");
});

Deno.test("a Worker lost mid-canary: the storage both instances share keeps every acknowledged message once", async () => {
  const node = await RealNode.start();
  const stored = async () => {
    const c = await node.ask("c", "query-ref");
    return (typeof c === "string" ? JSON.parse(c) : c).count as number;
  };
  try {
    await node.deploy("tiny-counter", "c", { limits: { cpu_ms_per_call: 5_000 } });
    // The new version (the same counter) beside it, taking half of the new conversations.
    await node.agents.startNext("c", {
      bytes: await watAgentBytes("tiny-counter"),
      config: UpdateConfigSchema.parse({ version: "2.0.0" }),
    }, 50);
    await node.deploy("hostile-loop", "loop", {
      limits: { cpu_ms_per_call: 50 },
      restart: "none",
    });
    assert.ok(
      node.sandbox.stats().agentsPerWorker.includes(3),
      `both counters and the loop share a Worker: ${JSON.stringify(node.sandbox.stats())}`,
    );
    await increments(node, "c", 20);
    const stats = node.agents.nextStats("c")!;
    assert.ok(stats.next.handled > 0 && stats.stable.handled > 0, JSON.stringify(stats));
    const before = stats.next.handled;
    assert.equal(await stored(), 20);

    // The loop hangs the Worker of both instances: the agent's starts again from its last
    // checkpoint (which has what both wrote), the second instance starts again on that storage.
    await hang(node, "loop", () => increments(node, "c", 10));
    assertReplaced(node, "c");
    assert.equal(await stored(), 30);
    await increments(node, "c", 10);
    assert.ok(node.agents.nextStats("c")!.next.handled > before, "the new version handles again");
    assert.equal(await stored(), 40);
    for (let i = 0; i < 4; i++) assert.equal(await stored(), 40, "each instance reads 40");

    await node.restart(); // a crash: no last checkpoint; the second instance is gone
    assert.equal(await stored(), 40, "after a restart");
  } finally {
    await node.close();
  }
});
