import assert from "node:assert/strict";
import { AgentStore } from "../../../runtime/agents/agent-store.ts";
import { CHECKPOINT_PAGE_BYTES as P, type CheckpointDelta } from "../../../runtime/sandbox/mod.ts";

const HASH = "a".repeat(64);

async function openStore(path?: string): Promise<{ store: AgentStore; kv: Deno.Kv; path: string }> {
  const p = path ?? await Deno.makeTempFile({ suffix: ".kv" });
  const kv = await Deno.openKv(p);
  return { store: new AgentStore(kv), kv, path: p };
}

function page(fill: number, n = P): Uint8Array {
  return new Uint8Array(n).fill(fill);
}

function delta(
  pages: { n: number; bytes: Uint8Array | null }[],
  storage: CheckpointDelta["storage"] = { set: [], del: [] },
  full = false,
  length = 4 * P,
): CheckpointDelta {
  return {
    hash: HASH,
    full,
    instances: [{ memories: [{ index: 0, length, pages }], globals: [{ index: 1, value: 7n }] }],
    storage,
  };
}

Deno.test("a checkpoint reads back as the memory, globals and storage it committed", async () => {
  const { store, kv, path } = await openStore();
  const te = new TextEncoder();
  await store.checkpoints.commit(
    "a",
    delta([{ n: 0, bytes: page(1) }, { n: 2, bytes: page(3) }], {
      set: [["k", te.encode("v1")]],
      del: [],
    }, true),
  );
  await store.checkpoints.commit(
    "a",
    delta([{ n: 0, bytes: null }, { n: 3, bytes: page(4) }], {
      set: [["j", te.encode("v2")]],
      del: ["k"],
    }),
  );
  kv.close();
  // Another process (a restart) reads it.
  const again = await openStore(path);
  try {
    const c = (await again.store.checkpoints.load("a"))!;
    assert.equal(c.seq, 2);
    const mem = c.memory.instances[0].memories[0].bytes;
    assert.equal(mem.length, 4 * P);
    assert.deepEqual([mem[0], mem[P], mem[2 * P], mem[3 * P]], [0, 0, 3, 4]);
    assert.deepEqual(c.memory.instances[0].globals, [{ index: 1, value: 7n }]);
    const storage = await again.store.loadStorage("a");
    assert.deepEqual([...storage.keys()], ["j"]);
  } finally {
    again.kv.close();
  }
});

Deno.test("a full checkpoint replaces pages and keys it does not list", async () => {
  const { store, kv } = await openStore();
  try {
    const te = new TextEncoder();
    await store.checkpoints.commit(
      "a",
      delta([{ n: 1, bytes: page(9) }], { set: [["x", te.encode("1")]], del: [] }, true),
    );
    await store.checkpoints.commit(
      "a",
      delta([{ n: 2, bytes: page(8) }], { set: [["y", te.encode("2")]], del: [] }, true),
    );
    const c = (await store.checkpoints.load("a"))!;
    const mem = c.memory.instances[0].memories[0].bytes;
    assert.deepEqual([mem[P], mem[2 * P]], [0, 8]);
    assert.deepEqual([...(await store.loadStorage("a")).keys()], ["y"]);
  } finally {
    kv.close();
  }
});

Deno.test("values and checkpoints past Deno KV's commit limits are kept whole across a restart", async () => {
  const { store, kv, path } = await openStore();
  const big = new Uint8Array(900_000).map((_, i) => i % 253);
  const pages = Array.from({ length: 200 }, (_, n) => ({ n, bytes: page(n % 200 + 1) }));
  const key = "k".repeat(1000);
  const marks = [{ receiver: "a", messageId: "m1" }];
  await store.checkpoints.commit(
    "a",
    delta(pages, { set: [["big", big], [key, new Uint8Array([1])]], del: [] }, true, 200 * P),
    marks,
  );
  kv.close();
  const again = await openStore(path);
  try {
    const s = await again.store.loadStorage("a");
    assert.deepEqual(s.get("big"), big);
    assert.deepEqual(s.get(key), new Uint8Array([1]));
    const mem = (await again.store.checkpoints.load("a"))!.memory.instances[0].memories[0].bytes;
    assert.equal(mem[199 * P], 200);
    assert.equal((await again.kv.get(["seen", "a", "m1"])).value, 1, "the mark committed with it");
  } finally {
    again.kv.close();
  }
});

Deno.test("replacing storage and deleting the agent leave nothing of the old one", async () => {
  const { store, kv } = await openStore();
  try {
    const te = new TextEncoder();
    await store.checkpoints.commit(
      "a",
      delta([{ n: 0, bytes: page(1) }], {
        set: [["old", te.encode("x")]],
        del: [],
      }, true),
    );
    await store.replaceStorage("a", [["new", new Uint8Array(100_000)]]);
    assert.deepEqual([...(await store.loadStorage("a")).keys()], ["new"]);
    await store.deleteAgent("a");
    assert.equal(await store.checkpoints.load("a"), undefined);
    const left = [];
    for await (const e of kv.list({ prefix: [] })) left.push(e.key);
    assert.deepEqual(left, []);
  } finally {
    kv.close();
  }
});
