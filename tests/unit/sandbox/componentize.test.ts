// The TypeScript samples built with ComponentizeJS (12 MB components with SpiderMonkey):
// echo and counter run in the sandbox, and the counter's count survives a memory snapshot
// restored in a fresh instance. Builds and transpiles are cached under .cache/, so only a
// fresh checkout pays for them (about a minute).
import assert from "node:assert/strict";
import { sampleBytes } from "../../../agents/build/mod.ts";
import {
  ComponentStore,
  decodeMemorySnapshot,
  encodeMemorySnapshot,
  Sandbox,
} from "../../../runtime/sandbox/mod.ts";
import { Recorder, request } from "./helpers.ts";

const CACHE = new URL("../../../.cache/test-components", import.meta.url).pathname;

Deno.test("ComponentizeJS echo and counter run; the counter continues after snapshot and restore", async () => {
  const store = new ComponentStore({ dir: CACHE });
  const sandbox = new Sandbox({ store, nodeId: "n1" });
  try {
    const echoHash = (await store.load(await sampleBytes("echo"))).hash;
    const counterHash = (await store.load(await sampleBytes("counter"))).hash;

    const rec = new Recorder();
    const echo = await sandbox.activate({ agentId: "echo@n1", hash: echoHash, host: rec.host() });
    await echo.deliver(request("echo@n1", "plain text", { reply_with: "q1" }));
    await echo.deliver(request("echo@n1", { structured: [1, "two"] }));
    assert.deepEqual(rec.contentsTo("client@n1"), ["plain text", { structured: [1, "two"] }]);
    assert.equal(rec.sent[0].performative, "inform");
    assert.equal(rec.sent[0].in_reply_to, "q1");
    assert.equal(rec.sent[0].sender?.name, "echo@n1");

    const crec = new Recorder();
    const counter = await sandbox.activate({
      agentId: "counter@n1",
      hash: counterHash,
      host: crec.host(),
    });
    for (let i = 0; i < 3; i++) await counter.deliver(request("counter@n1"));
    assert.deepEqual(crec.contentsTo("client@n1"), [{ count: 1 }, { count: 2 }, { count: 3 }]);

    const snap = decodeMemorySnapshot(encodeMemorySnapshot(await counter.snapshot()));
    await counter.terminate();
    const restored = await sandbox.activate({
      agentId: "counter@n1",
      hash: counterHash,
      snapshot: snap,
      host: crec.host(),
    });
    await restored.deliver(request("counter@n1"));
    assert.deepEqual(crec.contentsTo("client@n1").at(-1), { count: 4 });
  } finally {
    await sandbox.close();
    store.close();
  }
});
