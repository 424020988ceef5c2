import assert from "node:assert/strict";
import { createLogger } from "../../../runtime/log/mod.ts";
import { NodeLoad, refreshPeriodMs } from "../../../runtime/migration/mod.ts";
import type { NetNode } from "../../../runtime/net/mod.ts";

Deno.test("node load: a large cluster is asked a few members per round, in turn", async () => {
  const members = Array.from({ length: 25 }, (_, i) => `m${i}`);
  const asked: string[] = [];
  const net = {
    ping: () => Promise.resolve(0.5),
    request: (addr: string) => {
      asked.push(addr);
      return Promise.resolve({ load: 0.25, available_memory: 1024, agents: 0 });
    },
  } as unknown as NetNode;
  const load = new NodeLoad({
    self: "m0",
    net,
    members: () => members,
    addressOf: (id) => `/addr/${id}`,
    agentCount: () => 0,
    log: createLogger("error"),
  });
  await load.refresh();
  assert.deepEqual(asked, ["/addr/m1", "/addr/m2", "/addr/m3", "/addr/m4"]);
  for (let i = 0; i < 5; i++) await load.refresh();
  // 24 others, 4 per round: after 6 rounds every one was asked exactly once.
  assert.equal(asked.length, 24);
  assert.deepEqual(new Set(asked).size, 24);
  const measured = load.list().filter((n) => n.id !== "m0" && n.available_memory === 1024);
  assert.equal(measured.length, 24, "figures of earlier rounds are kept");
});

Deno.test("node load: one round trip per member asked, its latency that of the stats request", async () => {
  let pings = 0;
  const net = {
    ping: () => (pings++, Promise.resolve(0.5)),
    request: () => Promise.resolve({ load: 0.25, available_memory: 1024, agents: 3 }),
  } as unknown as NetNode;
  const load = new NodeLoad({
    self: "a",
    net,
    members: () => ["a", "b", "c"],
    addressOf: (id) => `/addr/${id}`,
    agentCount: () => 0,
    log: createLogger("error"),
  });
  await load.refresh();
  assert.equal(pings, 0, "no separate ping");
  const b = load.list().find((n) => n.id === "b")!;
  assert.equal(b.available_memory, 1024);
  assert.ok(b.latency_ms >= 0 && b.latency_ms < 1000, `latency ${b.latency_ms}`);
});

Deno.test("node load: rounds grow rarer with the cluster, so its polls stay constant", () => {
  assert.equal(refreshPeriodMs(2, 2000), 2000, "3 nodes: every 2 s, as before");
  assert.equal(refreshPeriodMs(8, 2000), 2000);
  assert.equal(refreshPeriodMs(24, 2000), 6000, "25 nodes: every 6 s");
  assert.equal(refreshPeriodMs(0, 2000), 2000);
  // Rounds a second over the whole cluster of n nodes: about constant beyond 9 nodes.
  const rate = (n: number) => n / refreshPeriodMs(n - 1, 2000) * 1000;
  assert.ok(rate(97) <= rate(25) * 1.1 && rate(25) <= rate(9) * 1.1, "cluster-wide rate bounded");
});
