// The held log keeps messages in arrival order per agent, durably, and groups concurrent
// appends into few commits.
import assert from "node:assert/strict";
import { aid } from "../../../runtime/acl/mod.ts";
import { type HeldDelivery, KvHeldLog } from "../../../runtime/migration/mod.ts";

function held(n: number, to = "a"): HeldDelivery {
  return {
    delivery: {
      message_id: `m${n}`,
      accepted_at: "2026-01-01T00:00:00.000Z",
      origin: "http",
      message: {
        performative: "inform",
        sender: aid("s@p"),
        receivers: [aid(`${to}@p`)],
        content: { n },
      },
    },
    to: aid(`${to}@p`),
  };
}

Deno.test("held messages come back in order, per agent, also after reopening", async () => {
  const path = await Deno.makeTempFile();
  let kv = await Deno.openKv(path);
  try {
    const log = new KvHeldLog(kv);
    // 300 concurrent appends to two agents.
    await Promise.all(
      Array.from(
        { length: 300 },
        (_, i) => log.append(i % 3 ? "a" : "b", held(i, i % 3 ? "a" : "b")),
      ),
    );
    const a = await log.list("a");
    assert.equal(a.length, 200);
    assert.deepEqual(
      a.map((h) => h.delivery.message_id),
      Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 3).map((i) => `m${i}`),
    );
    assert.deepEqual(a[0].delivery.message.content, { n: 1 });
    kv.close();
    kv = await Deno.openKv(path);
    const again = new KvHeldLog(kv);
    await again.append("b", held(1000, "b"));
    const b = await again.list("b");
    assert.equal(b.length, 101);
    assert.equal(b.at(-1)!.delivery.message_id, "m1000", "appends continue after the last");
    await again.clear("b");
    assert.deepEqual(await again.list("b"), []);
    assert.equal((await again.list("a")).length, 200);
  } finally {
    kv.close();
    await Deno.remove(path);
  }
});
