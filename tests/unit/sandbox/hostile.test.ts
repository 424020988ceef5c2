// Hostile agents are contained: each fails alone (or is refused) while an innocent echo in
// the same Worker keeps answering. Also the manifest's storage and network rules.
import assert from "node:assert/strict";
import { ApiError } from "../../../runtime/errors/mod.ts";
import {
  type AgentHandle,
  DEFAULT_AGENT_BOUNDS,
  type LimitsInput,
  type ManifestInput,
} from "../../../runtime/sandbox/mod.ts";
import { Recorder, request, setup } from "./helpers.ts";

type Setup = Awaited<ReturnType<typeof setup>>;

/** A hostile agent and an innocent echo, in one Worker. */
async function pair(
  s: Setup,
  hostile: string,
  opts: { manifest?: ManifestInput; limits?: LimitsInput } = {},
) {
  const rec = new Recorder();
  const innocentRec = new Recorder();
  const innocent = await s.sandbox.activate({
    agentId: "echo@n1",
    hash: await s.wat("tiny"),
    host: innocentRec.host(),
  });
  const bad = await s.sandbox.activate({
    agentId: "bad@n1",
    hash: await s.wat(hostile),
    host: rec.host(),
    ...opts,
  });
  assert.equal(bad.worker, innocent.worker, "both agents share a Worker");
  await innocent.deliver(request("echo@n1", "before"));
  return { rec, innocentRec, innocent, bad };
}

async function stillAnswers(innocent: AgentHandle, rec: Recorder, content: string): Promise<void> {
  assert.deepEqual(await innocent.deliver(request("echo@n1", content)), { handled: true, sent: 1 });
  assert.equal(rec.sent.at(-1)?.content, content);
}

function failedWith(reason: string) {
  return (e: unknown) => {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, "MESSAGE_DELIVERY_FAILED");
    assert.equal(e.details.reason, reason, JSON.stringify(e.details));
    return true;
  };
}

Deno.test("an endless loop is stopped at its CPU limit; its neighbour keeps answering", async () => {
  const s = await setup();
  try {
    const { rec, innocentRec, innocent, bad } = await pair(s, "hostile-loop", {
      limits: { cpu_ms_per_call: 100 },
    });
    // A message for the innocent agent queued behind the runaway call is answered.
    const stuck = bad.deliver(request("bad@n1"));
    const queued = innocent.deliver(request("echo@n1", "queued"));
    await assert.rejects(stuck, failedWith("cpu-limit"));
    assert.deepEqual(await queued, { handled: true, sent: 1 });
    assert.equal(bad.state, "failed");
    assert.equal(bad.failure?.reason, "cpu-limit");
    assert.deepEqual(rec.failures.map((f) => f.reason), ["cpu-limit"]);
    await assert.rejects(
      bad.deliver(request("bad@n1")),
      (e) => e instanceof ApiError && e.code === "AGENT_UNAVAILABLE",
    );
    await stillAnswers(innocent, innocentRec, "after");
    assert.equal(innocent.state, "active");
    assert.equal(s.sandbox.stats().agents, 1);
  } finally {
    await s.close();
  }
});

Deno.test("a memory bomb is stopped at its memory cap; its neighbour keeps answering", async () => {
  const s = await setup();
  try {
    const { innocentRec, innocent, bad } = await pair(s, "hostile-bomb", {
      limits: { memory: "4MB" },
    });
    await assert.rejects(bad.deliver(request("bad@n1")), failedWith("memory-limit"));
    await stillAnswers(innocent, innocentRec, "after");
  } finally {
    await s.close();
  }
});

Deno.test("filesystem, sockets and environment are absent unless granted", async () => {
  const s = await setup();
  try {
    const { rec, innocentRec, innocent, bad } = await pair(s, "hostile-probe");
    await bad.deliver(request("bad@n1"));
    // No variables, no preopened directory, socket creation denied (error code 1).
    assert.equal(rec.sent.at(-1)?.content, "env=0 dirs=0 tcp=err:01");
    const granted = await s.sandbox.activate({
      agentId: "probe2@n1",
      hash: await s.wat("hostile-probe"),
      manifest: { env: { GREETING: "hi", LANG: "C" } },
      host: rec.host(),
    });
    await granted.deliver(request("probe2@n1"));
    assert.equal(rec.sent.at(-1)?.content, "env=2 dirs=0 tcp=err:01");
    assert.equal(bad.state, "active");
    await stillAnswers(innocent, innocentRec, "after");
  } finally {
    await s.close();
  }
});

Deno.test("a flood of sends is cut at the send rate; the agent lives on", async () => {
  // A long CPU limit, yet sharing the Worker with its neighbour.
  const s = await setup({
    sharedWorkerCpuMs: 10_000,
    bounds: { ...DEFAULT_AGENT_BOUNDS, cpuMsPerCall: 10_000 },
  });
  try {
    const { rec, innocentRec, innocent, bad } = await pair(s, "hostile-flood", {
      limits: { send_burst: 50, send_rate: 0, cpu_ms_per_call: 10_000 },
    });
    assert.deepEqual(await bad.deliver(request("bad@n1")), { handled: true, sent: 50 });
    assert.equal(rec.sent.length, 50);
    assert.equal(bad.state, "active");
    await stillAnswers(innocent, innocentRec, "after");
  } finally {
    await s.close();
  }
});

Deno.test("sending to an agent the manifest does not allow is refused", async () => {
  const s = await setup();
  try {
    const { rec, innocentRec, innocent, bad } = await pair(s, "hostile-forbidden");
    await bad.deliver(request("bad@n1"));
    assert.deepEqual(rec.contentsTo("client@n1"), ["denied"]);
    assert.deepEqual(rec.contentsTo("secret@n1"), []);
    await stillAnswers(innocent, innocentRec, "after");

    const allowed = await s.sandbox.activate({
      agentId: "ok@n1",
      hash: await s.wat("hostile-forbidden"),
      manifest: { network: ["secret@n1"] },
      host: rec.host(),
    });
    await allowed.deliver(request("ok@n1"));
    assert.equal(rec.contentsTo("secret@n1").length, 1);
    assert.equal(rec.contentsTo("client@n1").at(-1), "sent");

    const local = await s.sandbox.activate({
      agentId: "local@n1",
      hash: await s.wat("hostile-forbidden"),
      manifest: { network: "local" },
      host: rec.host({ isLocalAgent: (name) => name === "secret@n1" }),
    });
    await local.deliver(request("local@n1"));
    assert.equal(rec.contentsTo("secret@n1").length, 2);
  } finally {
    await s.close();
  }
});

Deno.test("storage is private, persisted through the host, and bounded by the quota", async () => {
  const s = await setup();
  try {
    const hash = await s.wat("tiny-kv");
    const rec = new Recorder();
    const kv = await s.sandbox.activate({
      agentId: "kv@n1",
      hash,
      manifest: { storage_quota: 16 },
      host: rec.host(),
    });
    await kv.deliver(request("kv@n1", "?"));
    assert.equal(rec.sent.at(-1)?.content, "missing");
    await kv.deliver(request("kv@n1", "apple"));
    assert.equal(rec.sent.at(-1)?.content, "apple");
    assert.equal(new TextDecoder().decode(rec.storage.get("k")), "apple");
    await kv.deliver(request("kv@n1", "this is far too long"));
    assert.equal(rec.sent.at(-1)?.content, "store-failed");
    assert.equal(new TextDecoder().decode(rec.storage.get("k")), "apple");

    // Another agent of the same component sees only its own storage.
    const rec2 = new Recorder();
    const other = await s.sandbox.activate({
      agentId: "kv2@n1",
      hash,
      storage: { k: new TextEncoder().encode("pear") },
      host: rec2.host(),
    });
    await other.deliver(request("kv2@n1", "?"));
    assert.equal(rec2.sent.at(-1)?.content, "pear");
    await kv.deliver(request("kv@n1", "?"));
    assert.equal(rec.sent.at(-1)?.content, "apple");
  } finally {
    await s.close();
  }
});

Deno.test("the watchdog stops a Worker stuck in unmetered code and moves its neighbours", async () => {
  const s = await setup({ instrument: false, watchdogGraceMs: 100 });
  try {
    const { innocentRec, innocent, bad } = await pair(s, "hostile-loop", {
      limits: { cpu_ms_per_call: 50 },
    });
    const deadWorker = innocent.worker;
    const stuck = bad.deliver(request("bad@n1"));
    // Accepted while the Worker hangs: must be answered after the move, not lost.
    const waiting = innocent.deliver(request("echo@n1", "during"));
    await assert.rejects(stuck, (e) => e instanceof ApiError);
    assert.equal(bad.failure?.reason, "watchdog");
    assert.deepEqual(await waiting, { handled: true, sent: 1 });
    assert.ok(innocentRec.restarts.includes("echo@n1"));
    assert.notEqual(innocent.worker, deadWorker);
    assert.equal(deadWorker.alive, false);
    await stillAnswers(innocent, innocentRec, "after");
  } finally {
    await s.close();
  }
});
