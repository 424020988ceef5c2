import assert from "node:assert/strict";
import { createLogger } from "../../../runtime/log/mod.ts";
import { NodeLoad } from "../../../runtime/migration/mod.ts";
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
