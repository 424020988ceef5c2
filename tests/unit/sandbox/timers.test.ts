// The host side of world 0.2.0's timers: `set-timer` reaches the sandbox's timer service
// (or fails with an error value without one), `fireTimer` calls `on-timer` as a normal
// call, and 0.1.0 components keep loading (they have no timers).
import assert from "node:assert/strict";
import { ApiError } from "../../../runtime/errors/mod.ts";
import { ComponentStore, Sandbox, type TimerRequest } from "../../../runtime/sandbox/mod.ts";
import { watAgentBytes } from "../../../agents/build/mod.ts";
import { CountingTranspiler, Recorder, request, setup } from "./helpers.ts";

Deno.test("a 0.2.0 component is recognised; without a timer service set-timer is an error value", async () => {
  const s = await setup();
  try {
    const loaded = await s.store.load(await watAgentBytes("tiny-timer"));
    assert.equal(loaded.info.world, "0.2.0");
    assert.ok(loaded.info.imports.includes("fipa:agent/timers@0.2.0"));
    const rec = new Recorder();
    const h = await s.sandbox.activate({ agentId: "t@n1", hash: loaded.hash, host: rec.host() });
    await h.deliver(request("t@n1", "tick"));
    assert.equal(rec.sent[0].content, "timers are not available on this node");
    assert.equal(h.state, "active", "the agent keeps running");
    const tiny = await s.store.load(await watAgentBytes("tiny"));
    assert.equal(tiny.info.world, "0.1.0");
  } finally {
    await s.close();
  }
});

Deno.test("set-timer goes to the timer service; fireTimer calls on-timer with id and tag", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fipa-timers-" });
  const store = new ComponentStore({ dir, transpiler: new CountingTranspiler() });
  const set: { agent: string; t: TimerRequest }[] = [];
  const cancelled: string[] = [];
  const sandbox = new Sandbox({
    store,
    nodeId: "n1",
    timers: {
      set(agent, t) {
        set.push({ agent, t });
        return t.tag === "no"
          ? { ok: false, error: "too many timers" }
          : { ok: true, id: `id-${set.length}` };
      },
      cancel(agent, id) {
        cancelled.push(`${agent}/${id}`);
        return true;
      },
    },
  });
  try {
    const { hash } = await store.load(await watAgentBytes("tiny-timer"));
    const rec = new Recorder();
    const h = await sandbox.activate({ agentId: "t@n1", hash, host: rec.host() });
    const before = Date.now();
    await h.deliver(request("t@n1", "tick"));
    assert.equal(rec.sent[0].content, "id-1");
    assert.equal(set[0].agent, "t@n1");
    assert.equal(set[0].t.tag, "tick");
    assert.ok(set[0].t.dueAtMs >= before && set[0].t.dueAtMs <= Date.now(), "due after 0 ms");
    await h.deliver(request("t@n1", "no"));
    assert.equal(rec.sent[1].content, "too many timers");

    await sandbox.fireTimer("t@n1", "id-1", "tick");
    assert.deepEqual(rec.logs, ["info: tick"]);
    await assert.rejects(sandbox.fireTimer("nobody@n1", "id-1", "x"), (e) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, "NOT_FOUND");
      return true;
    });

    const tiny = await store.load(await watAgentBytes("tiny"));
    await sandbox.activate({ agentId: "old@n1", hash: tiny.hash, host: rec.host() });
    await assert.rejects(sandbox.fireTimer("old@n1", "id-9", "x"), (e) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, "CONFLICT");
      assert.match(e.message, /0\.1\.0/);
      return true;
    });
  } finally {
    await sandbox.close();
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
