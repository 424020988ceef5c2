import assert from "node:assert/strict";
import {
  fitsOneCommit,
  KvBatch,
  type KvOp,
  splitCommits,
} from "../../../runtime/agents/kv-batch.ts";

async function tempKv(): Promise<{ kv: Deno.Kv; path: string }> {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  return { kv: await Deno.openKv(path), path };
}

function bigOps(n: number, size: number): KvOp[] {
  return Array.from({ length: n }, (_, i) => ({
    key: ["data", i],
    value: new Uint8Array(size).fill(i % 251),
  }));
}

Deno.test("ops past one commit's limits are split into groups that each fit", () => {
  const ops = bigOps(60, 40_000); // 2.4 MB
  assert.equal(fitsOneCommit(ops), false);
  const groups = splitCommits(ops);
  assert.ok(groups.length > 1);
  assert.ok(groups.every(fitsOneCommit));
  assert.equal(groups.flat().length, ops.length);
});

Deno.test("an op's measured JSON length sizes it (the value is not serialized again)", () => {
  const value = { toJSON: () => assert.fail("serialized again") };
  const op: KvOp = { key: ["t", 1], value, jsonChars: 500_000 };
  assert.equal(fitsOneCommit([op]), true);
  assert.equal(fitsOneCommit([op, { ...op, key: ["t", 2] }]), false);
  assert.equal(splitCommits([op, { ...op, key: ["t", 2] }]).length, 2);
});

Deno.test("a string's measured bytes size it (not three bytes a character)", () => {
  // 250,000 one-byte characters: two fit in one commit as measured, not as guessed.
  const op: KvOp = { key: ["t", 1], value: "x".repeat(250_000), bytes: 250_000 };
  assert.equal(fitsOneCommit([op, { ...op, key: ["t", 2] }]), true);
  assert.equal(fitsOneCommit([{ key: ["t", 1], value: op.value }]), false, "guessed: too big");
  assert.equal(splitCommits([op, { ...op, key: ["t", 2] }, { ...op, key: ["t", 3] }]).length, 2);
});

Deno.test("a batch larger than one Deno KV commit lands whole, with its final ops", async () => {
  const { kv } = await tempKv();
  try {
    const b = new KvBatch(kv, "batch");
    await b.commit("a", bigOps(60, 40_000), [{ key: ["pointer"], value: "done" }]);
    assert.equal((await kv.get(["pointer"])).value, "done");
    for (let i = 0; i < 60; i++) {
      const v = (await kv.get<Uint8Array>(["data", i])).value!;
      assert.equal(v.length, 40_000);
      assert.equal(v[0], i % 251);
    }
    const left = [];
    for await (const e of kv.list({ prefix: ["batch"] })) left.push(e.key);
    assert.deepEqual(left, [], "the redo log is gone once applied");
  } finally {
    kv.close();
  }
});

Deno.test("a log written but never switched to is invisible and removed by recover", async () => {
  const { kv } = await tempKv();
  try {
    await kv.set(["batch", "a", "log", "x", 0], [{ key: ["data", 1], value: 1 }]);
    const b = new KvBatch(kv, "batch");
    await b.recover("a");
    assert.equal((await kv.get(["data", 1])).value, null);
    const left = [];
    for await (const e of kv.list({ prefix: ["batch"] })) left.push(e.key);
    assert.deepEqual(left, []);
  } finally {
    kv.close();
  }
});

Deno.test("a switched log that a crash left unapplied is applied by recover", async () => {
  const { kv } = await tempKv();
  try {
    await kv.set(["batch", "a", "log", "s", 0], [{ key: ["data", 1], value: "one" }]);
    await kv.set(["batch", "a", "log", "s", 1], [{ key: ["data", 2], value: "two" }, {
      key: ["data", 3],
    }]);
    await kv.set(["data", 3], "old");
    await kv.set(["batch", "a", "pending"], { seq: "s", entries: 2 });
    await new KvBatch(kv, "batch").recover("a");
    assert.equal((await kv.get(["data", 1])).value, "one");
    assert.equal((await kv.get(["data", 2])).value, "two");
    assert.equal((await kv.get(["data", 3])).value, null);
    assert.equal((await kv.get(["batch", "a", "pending"])).value, null);
  } finally {
    kv.close();
  }
});
