// A pending timer moves with its agent: after the move it fires once, on the new node, and
// never on the old one (the tiny-timer-later agent: a request "T" sets a timer due in 3 s
// with tag T; on-timer logs T).
import assert from "node:assert/strict";
import { deploy, locationOf, Probe, startCluster, stopAll, until } from "./helpers.ts";
import type { TestNode } from "./helpers.ts";

const fired = (t: TestNode, tag: string) =>
  t.n.agents.logs.read("t", 1000).filter((e) => e.kind === "log" && e.text === tag).length;

Deno.test("after a move a pending timer fires once, on the new node, never on the old", async () => {
  const [a, b] = await startCluster(["tma", "tmb"], { seed: ["tiny-timer-later.wasm"] });
  const probe = new Probe(a);
  try {
    await deploy(a, "tiny-timer-later.wasm", { name: "t" });
    await probe.send("t@mp", "moving");
    const reply = await until("set-timer's answer", () => probe.replies[0]);
    assert.match(String(reply.content), /^tmr_/);
    assert.equal(a.n.agents.timers.pending("t").length, 1);

    const report = await a.n.migration.migrate("t", "tmb");
    assert.equal(report.to, "tmb");
    assert.equal(locationOf(a, "t"), "tmb");
    assert.deepEqual(a.n.agents.timers.pending("t"), [], "the source keeps no timer");
    // The new node loads the timer when it adopts the arrival, which may come just after
    // migrate() returns (the move is committed in the directory first; the staged arrival is
    // on disk meanwhile). A due timer leaves its table before on-timer runs, so until it has
    // logged it is in neither place: wait for exactly one of the two.
    await until(
      "the timer on the new node",
      () => b.n.agents.timers.pending("t").length + fired(b, "moving") === 1 || undefined,
    );

    await until("the timer fired on the new node", () => fired(b, "moving") > 0 || undefined);
    assert.equal(fired(b, "moving"), 1);
    assert.equal(fired(a, "moving"), 0, "never on the old node");
    assert.deepEqual(b.n.agents.timers.pending("t"), []);
    const stored = await b.n.kv.get(["agent-timers", "t"]);
    assert.equal(stored.value, null, "fired: nothing left stored on the new node");
    const left = await a.n.kv.get(["agent-timers", "t"]);
    assert.equal(left.value, null, "nothing left stored on the old node");
  } finally {
    probe.close();
    await stopAll([a, b]);
  }
});
