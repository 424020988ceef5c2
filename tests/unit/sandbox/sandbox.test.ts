// Running agents: a tiny echo answers, a tiny counter counts, its state survives a memory
// snapshot restored into a fresh instance, and the handle's lifecycle behaves.
import assert from "node:assert/strict";
import { ApiError } from "../../../runtime/errors/mod.ts";
import {
  AGENTS_PER_WORKER,
  decodeMemorySnapshot,
  encodeMemorySnapshot,
  ManifestSchema,
} from "../../../runtime/sandbox/mod.ts";
import { Recorder, request, setup } from "./helpers.ts";

Deno.test("tiny echo answers a request with an inform carrying the same content", async () => {
  const s = await setup();
  try {
    const hash = await s.wat("tiny");
    const rec = new Recorder();
    const echo = await s.sandbox.activate({ agentId: "echo@n1", hash, host: rec.host() });
    const r = await echo.deliver(
      request("echo@n1", "hello", {
        conversation_id: "conv-1",
        reply_with: "q1",
        language: "fipa-sl",
        protocol: "fipa-request",
      }),
    );
    assert.deepEqual(r, { handled: true, sent: 1 });
    assert.equal(rec.sent.length, 1);
    const reply = rec.sent[0];
    assert.equal(reply.performative, "inform");
    assert.equal(reply.sender?.name, "echo@n1", "the node sets the sender");
    assert.deepEqual(reply.receivers.map((x) => x.name), ["client@n1"]);
    assert.equal(reply.content, "hello");
    assert.equal(reply.conversation_id, "conv-1");
    assert.equal(reply.in_reply_to, "q1");
    assert.equal(reply.language, "fipa-sl");
    assert.equal(reply.protocol, "fipa-request");

    // JSON content crosses as JSON and comes back as the same value.
    await echo.deliver(request("echo@n1", { a: [1, 2, { b: null }] }));
    assert.deepEqual(rec.sent[1].content, { a: [1, 2, { b: null }] });

    // Not a request: not handled, nothing sent.
    const inform = { ...request("echo@n1"), performative: "inform" as const };
    assert.deepEqual(await echo.deliver(inform), { handled: false, sent: 0 });
    assert.equal(rec.sent.length, 2);

    // reply-to wins over the sender.
    await echo.deliver(
      request("echo@n1", "x", { reply_to: [{ ...request("a").sender, name: "other@n1" }] }),
    );
    assert.deepEqual(rec.sent[2].receivers.map((x) => x.name), ["other@n1"]);
    await echo.terminate();
    assert.equal(echo.state, "terminated");
    await assert.rejects(echo.deliver(request("echo@n1")), (e) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, "AGENT_UNAVAILABLE");
      return true;
    });
  } finally {
    await s.close();
  }
});

Deno.test("tiny counter keeps its count, and a snapshot restored in a fresh instance continues it", async () => {
  const s = await setup();
  try {
    const hash = await s.wat("tiny-counter");
    const rec = new Recorder();
    const counter = await s.sandbox.activate({ agentId: "counter@n1", hash, host: rec.host() });
    for (let i = 0; i < 3; i++) await counter.deliver(request("counter@n1"));
    assert.deepEqual(rec.contentsTo("client@n1"), [{ count: 1 }, { count: 2 }, { count: 3 }]);

    const snap = decodeMemorySnapshot(encodeMemorySnapshot(await counter.snapshot()));
    assert.equal(snap.hash, hash);
    assert.ok(snap.instances.some((i) => i.globals.some((g) => g.value === 3)));

    const rec2 = new Recorder();
    const copy = await s.sandbox.activate({
      agentId: "copy@n1",
      hash,
      snapshot: snap,
      host: rec2.host(),
    });
    await copy.deliver(request("copy@n1"));
    assert.deepEqual(rec2.contentsTo("client@n1"), [{ count: 4 }]);

    // The original goes on independently.
    await counter.deliver(request("counter@n1"));
    assert.deepEqual(rec.contentsTo("client@n1").at(-1), { count: 4 });

    // restore() rewinds an agent in place.
    await counter.restore(snap);
    await counter.deliver(request("counter@n1"));
    assert.deepEqual(rec.contentsTo("client@n1").at(-1), { count: 4 });

    // A fresh agent of the same component starts from zero.
    const fresh = await s.sandbox.activate({ agentId: "fresh@n1", hash, host: rec2.host() });
    await fresh.deliver(request("fresh@n1"));
    assert.deepEqual(rec2.contentsTo("client@n1").at(-1), { count: 1 });
  } finally {
    await s.close();
  }
});

Deno.test("agents share Workers, up to the configured number", async () => {
  const s = await setup({ maxAgentsPerWorker: 3 });
  try {
    const hash = await s.wat("tiny");
    const rec = new Recorder();
    const agents = [];
    for (let i = 0; i < 7; i++) {
      agents.push(await s.sandbox.activate({ agentId: `e${i}@n1`, hash, host: rec.host() }));
    }
    const st = s.sandbox.stats();
    assert.equal(st.agents, 7);
    assert.ok(st.agentsPerWorker.every((n) => n <= 3), JSON.stringify(st));
    assert.ok(st.agentsPerWorker.filter((n) => n > 0).length === 3, JSON.stringify(st));
    await Promise.all(agents.map((a, i) => a.deliver(request(`e${i}@n1`, `m${i}`))));
    assert.deepEqual(rec.sent.map((m) => m.content).sort(), agents.map((_, i) => `m${i}`).sort());
    assert.deepEqual(
      rec.sent.map((m) => m.sender?.name).sort(),
      agents.map((_, i) => `e${i}@n1`).sort(),
    );
  } finally {
    await s.close();
  }
});

Deno.test("by default, 40 agents share one Worker (load over many agents wakes few Workers)", async () => {
  const s = await setup({ spareWorkers: 0 });
  try {
    assert.equal(s.sandbox.maxAgentsPerWorker, AGENTS_PER_WORKER);
    assert.ok(AGENTS_PER_WORKER >= 40, String(AGENTS_PER_WORKER));
    const hash = await s.wat("tiny");
    const rec = new Recorder();
    const agents = [];
    for (let i = 0; i < 40; i++) {
      agents.push(await s.sandbox.activate({ agentId: `e${i}@n1`, hash, host: rec.host() }));
    }
    assert.deepEqual(s.sandbox.stats().agentsPerWorker, [40]);
    await Promise.all(agents.map((a, i) => a.deliver(request(`e${i}@n1`, `m${i}`))));
    assert.deepEqual(rec.sent.map((m) => m.content).sort(), agents.map((_, i) => `m${i}`).sort());
  } finally {
    await s.close();
  }
});

Deno.test("a new agent fills the fullest Worker with room, so stopped agents leave Workers empty", async () => {
  const s = await setup({ maxAgentsPerWorker: 3, spareWorkers: 0 });
  try {
    const hash = await s.wat("tiny");
    const rec = new Recorder();
    const agents = [];
    for (let i = 0; i < 9; i++) {
      agents.push(await s.sandbox.activate({ agentId: `e${i}@n1`, hash, host: rec.host() }));
    }
    const sorted = () => [...s.sandbox.stats().agentsPerWorker].sort();
    assert.deepEqual(sorted(), [3, 3, 3]);
    // The first Worker keeps one agent, the second two: the newcomer joins the second.
    for (const i of [0, 1, 3]) await agents[i].terminate();
    assert.deepEqual(sorted(), [1, 2, 3]);
    agents.push(await s.sandbox.activate({ agentId: "x@n1", hash, host: rec.host() }));
    assert.deepEqual(sorted(), [1, 3, 3]);
    // The last agent of the first Worker stops: that Worker is retired (no spare kept).
    await agents[2].terminate();
    assert.deepEqual(sorted(), [3, 3]);
    assert.equal(s.sandbox.stats().workers, 2);
    await agents[9].deliver(request("x@n1", "still here"));
    assert.equal(rec.sent.at(-1)?.content, "still here");
  } finally {
    await s.close();
  }
});

Deno.test("activation validates manifest and limits, naming the field", async () => {
  const s = await setup();
  try {
    const hash = await s.wat("tiny");
    await assert.rejects(
      s.sandbox.activate({
        agentId: "x@n1",
        hash,
        manifest: { network: "everywhere" } as never,
        host: new Recorder().host(),
      }),
      (e) =>
        e instanceof ApiError && e.code === "INVALID_REQUEST" &&
        /manifest\.network/.test(e.message),
    );
    await assert.rejects(
      s.sandbox.activate({
        agentId: "x@n1",
        hash,
        limits: { memory: "lots" },
        host: new Recorder().host(),
      }),
      (e) =>
        e instanceof ApiError && e.code === "INVALID_REQUEST" && /limits\.memory/.test(e.message),
    );
    await assert.rejects(
      s.sandbox.activate({ agentId: "x@n1", hash: "f".repeat(64), host: new Recorder().host() }),
      (e) => e instanceof ApiError && e.code === "NOT_FOUND",
    );
    assert.equal(ManifestSchema.parse({}).network, "none");
  } finally {
    await s.close();
  }
});

Deno.test("a full mailbox refuses further deliveries", async () => {
  const s = await setup();
  try {
    const hash = await s.wat("tiny");
    const echo = await s.sandbox.activate({
      agentId: "echo@n1",
      hash,
      limits: { mailbox: 2 },
      host: new Recorder().host(),
    });
    const a = echo.deliver(request("echo@n1"));
    const b = echo.deliver(request("echo@n1"));
    await assert.rejects(
      echo.deliver(request("echo@n1")),
      (e) => e instanceof ApiError && e.code === "RESOURCE_LIMIT_EXCEEDED",
    );
    await Promise.all([a, b]);
    await echo.deliver(request("echo@n1"));
  } finally {
    await s.close();
  }
});
