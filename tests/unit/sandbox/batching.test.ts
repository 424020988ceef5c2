// Calls made in one turn cross to their Worker together, and the Worker's answers come back
// together: fewer postMessage crossings than calls, each call still answered on its own,
// in order per agent.
import assert from "node:assert/strict";
import { crossings } from "../../../runtime/sandbox/sandbox-worker.ts";
import type { CheckpointDelta } from "../../../runtime/sandbox/mod.ts";
import { Recorder, request, setup } from "./helpers.ts";

Deno.test("concurrent calls to one Worker cross in fewer posts than calls, each answered", async () => {
  // No spare Worker: one started after the activations would post its "ready" while the
  // crossings are counted (the counters are the process's).
  const s = await setup({ spareWorkers: 0 });
  try {
    const hash = await s.wat("tiny");
    const rec = new Recorder();
    const names = ["a@n1", "b@n1", "c@n1"];
    const agents = await Promise.all(
      names.map((n) => s.sandbox.activate({ agentId: n, hash, host: rec.host() })),
    );
    assert.equal(s.sandbox.stats().agentsPerWorker.filter((n) => n > 0).length, 1);
    const before = { ...crossings };
    const n = 60;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => agents[i % 3].deliver(request(names[i % 3], `m${i}`))),
    );
    const calls = crossings.calls - before.calls;
    const callPosts = crossings.callPosts - before.callPosts;
    const replies = crossings.replies - before.replies;
    const replyPosts = crossings.replyPosts - before.replyPosts;
    assert.equal(calls, n, "every call crossed once");
    assert.ok(callPosts < n / 2, `${n} calls took ${callPosts} posts`);
    assert.equal(replies, n, "every call was answered once");
    assert.ok(replyPosts < n / 2, `${n} replies took ${replyPosts} posts`);
    // Each call is answered on its own, and each agent's calls ran in the order made.
    assert.ok(results.every((r) => r.handled && r.sent === 1), JSON.stringify(results));
    for (let a = 0; a < 3; a++) {
      const expected = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 === a)
        .map((i) => `m${i}`);
      assert.deepEqual(
        rec.sent.filter((m) => m.sender?.name === names[a]).map((m) => m.content),
        expected,
      );
    }
  } finally {
    await s.close();
  }
});

Deno.test("checkpoint requests made among calls cross with them and come back as bytes", async () => {
  // No spare Worker (see above).
  const s = await setup({ spareWorkers: 0 });
  try {
    const hash = await s.wat("tiny");
    const rec = new Recorder();
    const names = ["a@n1", "b@n1", "c@n1"];
    const agents = await Promise.all(
      names.map((n) => s.sandbox.activate({ agentId: n, hash, host: rec.host() })),
    );
    const before = { ...crossings };
    const calls: Promise<unknown>[] = [];
    const checkpoints: Promise<CheckpointDelta>[] = [];
    for (let i = 0; i < 30; i++) {
      const a = i % 3;
      calls.push(agents[a].deliver(request(names[a], `m${i}`)));
      // Each agent's checkpoint, made after some of its calls: a full one (its first).
      if (i % 10 === 9) checkpoints.push(agents[a].checkpoint());
    }
    await Promise.all(calls);
    const deltas = await Promise.all(checkpoints);
    const posts = crossings.callPosts - before.callPosts;
    assert.equal(crossings.calls - before.calls, 33, "30 calls and 3 checkpoints crossed once");
    // Made in one turn: one post (a checkpoint request posted on its own would post the
    // calls queued before it first, two posts each).
    assert.equal(posts, 1, `30 calls and 3 checkpoints took ${posts} posts`);
    // The answers cross together too, the checkpoints' bytes with the calls' answers.
    const replyPosts = crossings.replyPosts - before.replyPosts;
    assert.equal(crossings.replies - before.replies, 33);
    assert.ok(replyPosts < 33 / 2, `33 answers took ${replyPosts} posts`);
    for (const d of deltas) {
      assert.equal(d.full, true);
      const pages = d.instances.flatMap((i) => i.memories.flatMap((m) => m.pages));
      assert.ok(pages.length > 0 && pages.every((p) => p.bytes instanceof Uint8Array));
    }
  } finally {
    await s.close();
  }
});
