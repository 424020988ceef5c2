import assert from "node:assert/strict";
import type { Libp2p } from "libp2p";
import { NetNodeOptionsSchema } from "../../../runtime/net/node-options.ts";
import { cleanup, startTestNode } from "./_helpers.ts";

/** The ping interval libp2p's connection monitor runs with (its field; no public accessor). */
function pingInterval(libp2p: Libp2p): number {
  const c = (libp2p as unknown as { components: Record<string, unknown> }).components;
  return (c.connectionMonitor as { pingIntervalMs: number }).pingIntervalMs;
}

Deno.test("connection liveness pings default to every 30 s, not libp2p's 10 s", async () => {
  const a = await startTestNode();
  const b = await startTestNode({ connectionPingMs: 5000 });
  try {
    assert.equal(pingInterval(a.libp2p), 30_000);
    assert.equal(pingInterval(b.libp2p), 5000);
  } finally {
    await cleanup(a, b);
  }
});

Deno.test("a connection ping interval under a second is refused, naming the value", () => {
  const r = NetNodeOptionsSchema.safeParse({ dataDir: "/tmp/x", connectionPingMs: 10 });
  assert.equal(r.success, false);
  assert.match(JSON.stringify(r.error?.issues), /connectionPingMs/);
});
