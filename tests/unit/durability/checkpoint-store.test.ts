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

/** `kv` with its reads counted (`reads.n`). */
function countingReads(kv: Deno.Kv): { kv: Deno.Kv; reads: { n: number } } {
  const reads = { n: 0 };
  const proxy = new Proxy(kv, {
    get(target, p) {
      const v = Reflect.get(target, p, target);
      if (p === "get" || p === "getMany" || p === "list") reads.n++;
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { kv: proxy, reads };
}

Deno.test("a wake's read goes to the reader connection and finds what the writer committed", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const writer = await Deno.openKv(path);
  const reader = await Deno.openKv(path);
  try {
    const counted = countingReads(writer);
    const store = new AgentStore(counted.kv, { reader });
    const te = new TextEncoder();
    const big = new Uint8Array(100_000).map((_, i) => i % 251); // 4 chunks
    await store.checkpoints.commit(
      "a",
      delta(
        [{ n: 1, bytes: page(5) }],
        { set: [["k", te.encode("v")], ["big", big]], del: [] },
        true,
      ),
    );
    counted.reads.n = 0;
    const { checkpoint, storage } = await store.checkpoints.read("a");
    assert.equal(counted.reads.n, 0, "no read queued behind the writer's operations");
    const mem = checkpoint!.memory.instances[0].memories[0].bytes;
    assert.deepEqual([mem[0], mem[P], mem[2 * P]], [0, 5, 0]);
    assert.deepEqual(storage.get("big"), big);
    assert.deepEqual(storage.get("k"), te.encode("v"));
    // The next checkpoint (a delta) builds on what the read found.
    await store.checkpoints.commit("a", delta([{ n: 1, bytes: null }], { set: [], del: ["big"] }));
    const again = await store.checkpoints.read("a");
    assert.equal(again.checkpoint!.seq, 2);
    assert.equal(again.checkpoint!.memory.instances[0].memories[0].bytes[P], 0);
    assert.deepEqual([...again.storage.keys()], ["k"]);
    const chunks = [];
    for await (const e of writer.list({ prefix: ["agent-storage-chunk", "a", "big"] })) {
      chunks.push(e.key);
    }
    assert.deepEqual(chunks, [], "the big value's chunks went with it");
  } finally {
    reader.close();
    writer.close();
  }
});

Deno.test("a read finishes a commit a crash left switched, and finds what it wrote", async () => {
  const { store, kv } = await openStore();
  try {
    const te = new TextEncoder();
    await store.checkpoints.commit(
      "a",
      delta([{ n: 0, bytes: page(1) }], { set: [["k", te.encode("old")]], del: [] }, true),
    );
    // A crash after the switch of a commit that went through the redo log: the log and its
    // pointer are there, nothing of it was applied.
    await kv.set(["ckpt-batch", "a", "log", "s", 0], [
      { key: ["ckpt-page", "a", 0, 0, 0], value: page(2) },
      { key: ["agent-storage-chunk", "a", "k", 0], value: te.encode("new") },
    ]);
    await kv.set(["ckpt-batch", "a", "pending"], { seq: "s", entries: 1 });
    const { checkpoint, storage } = await store.checkpoints.read("a");
    assert.equal(checkpoint!.memory.instances[0].memories[0].bytes[0], 2);
    assert.deepEqual(storage.get("k"), te.encode("new"));
    assert.equal((await kv.get(["ckpt-batch", "a", "pending"])).value, null);
  } finally {
    kv.close();
  }
});

Deno.test("a storage key whose chunk is missing is an error naming the key", async () => {
  const { store, kv } = await openStore();
  try {
    await store.replaceStorage("a", [["big", new Uint8Array(70_000)]]);
    await kv.delete(["agent-storage-chunk", "a", "big", 1]);
    await assert.rejects(store.loadStorage("a"), /storage key 'big' lost chunk 1/);
  } finally {
    kv.close();
  }
});
