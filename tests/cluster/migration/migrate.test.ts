// Live migration between two in-process nodes: the count of the tiny counter (a mutable
// global) and of the ComponentizeJS counter (its JS heap in linear memory) continues on
// the target; a stream of messages sent during the move arrives once each, in order.
import assert from "node:assert/strict";
import { deploy, locationOf, Probe, startCluster, stopAll, until } from "./helpers.ts";

Deno.test("the tiny counter moves with its count; messages sent meanwhile arrive once, in order", async () => {
  const [a, b] = await startCluster(["ma", "mb"], { seed: ["tiny-counter.wasm"] });
  const probe = new Probe(a);
  try {
    await deploy(a, "tiny-counter.wasm", { name: "counter" });
    for (let i = 1; i <= 3; i++) assert.equal(await probe.ask("counter@mp"), i);

    // A stream of requests while the agent moves: none lost, none twice, in order.
    let sending = true;
    const sent: number[] = [];
    const stream = (async () => {
      while (sending) {
        sent.push(await probe.send("counter@mp"));
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    // Requests before, during and after the move (counted, not timed).
    await until("requests before the move", () => sent.length >= 3 || undefined);
    const report = await a.n.migration.migrate("counter", "mb");
    const atMove = sent.length;
    await until("requests after the move", () => sent.length >= atMove + 3 || undefined);
    sending = false;
    await stream;

    assert.equal(report.from, "ma");
    assert.equal(report.to, "mb");
    assert.equal(report.component_sent, false);
    assert.ok(report.snapshot_bytes > 0 && report.snapshot_bytes < report.raw_bytes);
    assert.equal(locationOf(a, "counter"), "mb");
    assert.ok(b.n.agents.has("counter"));
    assert.ok(!a.n.agents.has("counter"));

    await until(
      "every reply",
      () => sent.every((n) => probe.countFor(n) !== undefined) || undefined,
    );
    const counts = sent.map((n) => probe.countFor(n)!);
    assert.deepEqual(counts, sent.map((_, i) => i + 4), "each message handled once, in order");
    assert.equal(probe.replies.length, 3 + sent.length, "no duplicate replies");
    console.log(
      `tiny counter moved in ${report.duration_ms} ms (paused ${report.paused_ms} ms), ${report.held_messages} messages held, ${sent.length} sent during the test`,
    );

    // The REST route: unknown member 404, already there 400, not on this node 404.
    const post = async (url: string, body: unknown) => {
      const res = await fetch(`${url}/api/v1/agents/counter/migrate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    const unknown = await post(b.n.url, { target_node: "nowhere" });
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error.message, /nowhere/);
    assert.equal((await post(b.n.url, { target_node: "mb" })).status, 400);
    assert.equal((await post(b.n.url, {})).status, 400);
    assert.equal((await post(a.n.url, { target_node: "mb" })).body.error.code, "AGENT_NOT_FOUND");

    // It keeps counting on the target, reached through the source's node.
    assert.equal(await probe.ask("counter@mp"), sent.length + 4);
    assert.equal(b.n.agents.get("counter").node, "mb");
  } finally {
    probe.close();
    await stopAll([a, b]);
  }
});

Deno.test("the ComponentizeJS counter moves with its JS heap, and back", async () => {
  const [a, b] = await startCluster(["ja", "jb"], { seed: ["counter.wasm"] });
  const probe = new Probe(a);
  try {
    await deploy(a, "counter.wasm", { name: "jscounter" });
    for (let i = 1; i <= 1000; i++) await probe.send("jscounter@mp");
    await until("1000 replies", () => probe.countFor(1000));
    const there = await a.n.migration.migrate("jscounter", "jb");
    assert.equal(locationOf(a, "jscounter"), "jb");
    assert.equal(await probe.ask("jscounter@mp"), 1001);
    const back = await b.n.migration.migrate("jscounter", "ja");
    assert.equal(await probe.ask("jscounter@mp"), 1002);
    assert.ok(a.n.agents.has("jscounter") && !b.n.agents.has("jscounter"));
    console.log(
      `ComponentizeJS counter: moved in ${there.duration_ms} ms and back in ${back.duration_ms} ms; ` +
        `snapshot ${there.raw_bytes} bytes raw, ${there.snapshot_bytes} sealed`,
    );
  } finally {
    probe.close();
    await stopAll([a, b]);
  }
});

Deno.test("an agent deployed asleep moves: started on the source, it counts from 1 on the target", async () => {
  const [a, b] = await startCluster(["sa", "sb"], { seed: ["tiny-counter.wasm"] });
  const probe = new Probe(a);
  try {
    await deploy(a, "tiny-counter.wasm", { name: "dozy", start: "on-message" });
    assert.equal(a.n.agents.get("dozy").status, "hibernated");
    const report = await a.n.migration.migrate("dozy", "sb");
    assert.equal(report.to, "sb");
    assert.equal(locationOf(a, "dozy"), "sb");
    assert.ok(!a.n.agents.has("dozy"));
    assert.equal(b.n.agents.get("dozy").status, "running");
    assert.equal(await probe.ask("dozy@mp"), 1, "fresh: init ran once, no message before");
  } finally {
    probe.close();
    await stopAll([a, b]);
  }
});
