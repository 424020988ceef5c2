// Agents' records as a group commit (RecordWrites): what is asked while a write runs goes in
// the next one, in order, the last change of a name winning; each promise settles with the
// commit that carried its change. In-memory Deno KV, its commits counted (and failed on demand).
import assert from "node:assert/strict";
import type { AgentRecord } from "../../../runtime/agents/mod.ts";
import { RecordWrites } from "../../../runtime/agents/record-writes.ts";

/** An in-memory KV whose atomic commits are counted, and fail while `fail` is set. */
async function countingKv() {
  const kv = await Deno.openKv(":memory:");
  const stats = { commits: 0, fail: false };
  const counted = new Proxy(kv, {
    get(target, prop) {
      if (prop !== "atomic") {
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      }
      return () => {
        const op = target.atomic();
        const commit = op.commit.bind(op);
        op.commit = () => {
          stats.commits++;
          return stats.fail ? Promise.reject(new Error("disk full")) : commit();
        };
        return op;
      };
    },
  });
  return { kv, counted, stats };
}

const rec = (name: string, version = "1") => ({ name, version } as unknown as AgentRecord);
const stored = async (kv: Deno.Kv, name: string) =>
  (await kv.get<AgentRecord>(["agents", name])).value?.version ?? null;

Deno.test("record writes: puts in flight share commits; each resolves once durable", async () => {
  const { kv, counted, stats } = await countingKv();
  try {
    const w = new RecordWrites(counted);
    const names = Array.from({ length: 50 }, (_, i) => `a${i}`);
    await Promise.all(names.map((n) => w.put(rec(n))));
    // Asked before the first write started: all in it.
    assert.equal(stats.commits, 1);
    for (const n of names) assert.equal(await stored(kv, n), "1");
    // One under way, then 10 more while it runs: those 10 go together in the next.
    const first = w.put(rec("a0", "2"));
    await new Promise((r) => setTimeout(r, 0));
    await Promise.all([first, ...names.slice(1, 11).map((n) => w.put(rec(n, "3")))]);
    assert.equal(stats.commits, 3);
    assert.equal(await stored(kv, "a0"), "2");
    assert.equal(await stored(kv, "a10"), "3");
  } finally {
    kv.close();
  }
});

Deno.test("record writes: the last change of a name wins, deletes included", async () => {
  const { kv, counted } = await countingKv();
  try {
    const w = new RecordWrites(counted);
    await w.put(rec("x", "0"));
    await Promise.all([
      w.put(rec("busy")), // under way while the rest queue
      w.put(rec("x", "1")),
      w.delete("x"),
      w.put(rec("y", "1")),
      w.put(rec("y", "2")),
      w.delete("z"),
      w.put(rec("z", "3")),
    ]);
    assert.equal(await stored(kv, "x"), null);
    assert.equal(await stored(kv, "y"), "2");
    assert.equal(await stored(kv, "z"), "3");
  } finally {
    kv.close();
  }
});

Deno.test("record writes: a failed commit rejects the changes it carried; later ones commit", async () => {
  const { kv, counted, stats } = await countingKv();
  try {
    const w = new RecordWrites(counted);
    stats.fail = true;
    const results = await Promise.allSettled([w.put(rec("a")), w.put(rec("b"))]);
    assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
    assert.match(String((results[0] as PromiseRejectedResult).reason), /disk full/);
    stats.fail = false;
    await w.put(rec("c"));
    assert.equal(await stored(kv, "a"), null);
    assert.equal(await stored(kv, "c"), "1");
  } finally {
    kv.close();
  }
});
