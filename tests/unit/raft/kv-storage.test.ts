import assert from "node:assert/strict";
import {
  confOf,
  type Entry,
  KvStorage,
  type PersistedState,
  SNAPSHOT_CHUNK_BYTES,
} from "../../../runtime/raft/mod.ts";
import { KvWriter } from "../../../runtime/agents/kv-writer.ts";
import { AuditLog } from "../../../runtime/audit/mod.ts";

const enc = new TextEncoder();
const normal = (index: number, term: number, text = `e${index}@${term}`): Entry => ({
  type: "normal",
  index,
  term,
  data: enc.encode(text),
});
const range = (from: number, to: number, term: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => normal(from + i, term));

/** Runs `fn` with a fresh KV file path; removes it afterwards. */
async function withKvFile(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "raft-kv-" });
  try {
    await fn(`${dir}/raft.kv`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Opens the file, loads, runs `fn`, closes. */
async function session<T>(
  path: string,
  fn: (s: KvStorage, state: PersistedState) => T | Promise<T>,
): Promise<T> {
  const s = await KvStorage.open(path, { prefix: ["raft", "test"] });
  try {
    return await fn(s, await s.load());
  } finally {
    s.close();
  }
}

async function countKeys(path: string, prefix: Deno.KvKey): Promise<number> {
  const kv = await Deno.openKv(path);
  try {
    let n = 0;
    for await (const _ of kv.list({ prefix })) n++;
    return n;
  } finally {
    kv.close();
  }
}

Deno.test("kv storage: state survives reopening", async () => {
  await withKvFile(async (path) => {
    await session(path, async (s, st) => {
      assert.deepEqual(st, { hardState: { term: 0, vote: null, commit: 0 }, entries: [] });
      await s.save({ hardState: { term: 2, vote: "a", commit: 3 }, entries: range(1, 5, 2) });
    });
    await session(path, (_s, st) => {
      assert.deepEqual(st.hardState, { term: 2, vote: "a", commit: 3 });
      assert.deepEqual(st.entries, range(1, 5, 2));
      assert.equal(st.snapshot, undefined);
    });
  });
});

Deno.test("kv storage: new entries replace a conflicting tail", async () => {
  await withKvFile(async (path) => {
    await session(path, async (s) => {
      await s.save({ entries: range(1, 5, 1) });
      await s.save({ entries: range(3, 4, 2) });
    });
    await session(path, (_s, st) => {
      assert.deepEqual(st.entries, [...range(1, 2, 1), ...range(3, 4, 2)]);
    });
    assert.equal(await countKeys(path, ["raft", "test", "log"]), 4, "index 5 deleted");
  });
});

Deno.test("kv storage: cycles beyond one atomic commit are split safely", async () => {
  await withKvFile(async (path) => {
    await session(path, async (s) => {
      await s.save({
        entries: range(1, 2500, 1),
        hardState: { term: 1, vote: null, commit: 2400 },
      });
      await s.save({ entries: range(10, 1200, 2), hardState: { term: 2, vote: "b", commit: 9 } });
    });
    await session(path, (_s, st) => {
      assert.equal(st.entries.length, 1200);
      assert.deepEqual(st.entries.at(-1), normal(1200, 2));
      assert.deepEqual(st.entries[8], normal(9, 1));
      assert.equal(st.hardState.vote, "b");
    });
  });
});

Deno.test("kv storage: compaction stores a chunked snapshot and deletes covered entries", async () => {
  await withKvFile(async (path) => {
    const data = new Uint8Array(5 * SNAPSHOT_CHUNK_BYTES - 123);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    const conf = confOf(["a", "b", "c"]);
    await session(path, async (s) => {
      await s.save({ entries: range(1, 10, 1), hardState: { term: 1, vote: null, commit: 10 } });
      await s.compact({ meta: { index: 6, term: 1, conf }, data });
      await s.compact({ meta: { index: 4, term: 1, conf }, data: new Uint8Array([1]) }); // older: ignored
    });
    assert.equal(await countKeys(path, ["raft", "test", "chunk"]), 5);
    await session(path, async (s, st) => {
      assert.deepEqual(st.snapshot?.meta, { index: 6, term: 1, conf });
      assert.deepEqual(st.snapshot?.data, data);
      assert.deepEqual(st.entries, range(7, 10, 1));
      await s.compact({ meta: { index: 8, term: 1, conf }, data: new Uint8Array([7, 7]) });
    });
    assert.equal(await countKeys(path, ["raft", "test", "chunk"]), 1, "old chunks deleted");
    assert.equal(await countKeys(path, ["raft", "test", "log"]), 2);
  });
});

Deno.test("kv storage: readSnapshot reads back the current snapshot, chunks and all", async () => {
  await withKvFile(async (path) => {
    const data = new Uint8Array(3 * SNAPSHOT_CHUNK_BYTES + 7);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 0xff;
    const conf = confOf(["a", "b"]);
    await session(path, async (s) => {
      assert.equal(await s.readSnapshot(), undefined, "none stored yet");
      await s.save({ entries: range(1, 6, 1) });
      await s.compact({ meta: { index: 4, term: 1, conf }, data });
      assert.deepEqual(await s.readSnapshot(), { meta: { index: 4, term: 1, conf }, data });
      const installed = { meta: { index: 9, term: 2, conf }, data: enc.encode("leader's") };
      await s.save({ snapshot: installed, entries: [] });
      assert.deepEqual(await s.readSnapshot(), installed);
    });
    await session(path, async (s) => {
      assert.deepEqual((await s.readSnapshot())?.meta, { index: 9, term: 2, conf }, "reopened");
    });
  });
});

Deno.test("kv storage: an installed snapshot discards the whole log, even after a crash", async () => {
  await withKvFile(async (path) => {
    const conf = confOf(["a", "b"]);
    await session(path, async (s) => {
      await s.save({ entries: range(1, 8, 1) });
      await s.save({
        snapshot: { meta: { index: 5, term: 2, conf }, data: enc.encode("state") },
        entries: [normal(6, 2)],
        hardState: { term: 2, vote: null, commit: 5 },
      });
    });
    // Simulate a crash that left an entry of the old log behind (written by an old epoch).
    const kv = await Deno.openKv(path);
    await kv.set(["raft", "test", "log", 7], { epoch: 0, entry: normal(7, 1) });
    kv.close();
    await session(path, (_s, st) => {
      assert.equal(st.snapshot?.meta.index, 5);
      assert.deepEqual(st.entries, [normal(6, 2)], "the stale entry 7 is ignored");
    });
    assert.equal(await countKeys(path, ["raft", "test", "log"]), 1, "and deleted");
  });
});

Deno.test("kv storage: refuses entries too large for a KV value and writes before load", async () => {
  await withKvFile(async (path) => {
    const s = await KvStorage.open(path);
    try {
      await assert.rejects(() => Promise.resolve(s.save({ entries: [normal(1, 1)] })), /load/);
      await s.load();
      const big: Entry = { type: "normal", index: 1, term: 1, data: new Uint8Array(70_000) };
      await assert.rejects(() => s.save({ entries: [big] }), RangeError);
    } finally {
      s.close();
    }
  });
});

Deno.test("kv storage: a save shares the node's group commit with an audit record", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const storage = new KvStorage(kv);
    await storage.load();
    const audit = new AuditLog(kv, { retentionDays: 0 });
    await audit.append({ actor: "t", action: "first", target: "x", outcome: "ok" });
    const writer = KvWriter.of(kv);
    // A commit in flight: what is asked for meanwhile waits for the next commit.
    const busy = writer.set([{ key: ["other"], value: 1 }]);
    const saved = storage.save({
      entries: [normal(1, 1)],
      hardState: { term: 1, vote: "a", commit: 0 },
    });
    const recorded = audit.append({ actor: "t", action: "second", target: "x", outcome: "ok" });
    await Promise.all([busy, saved, recorded]);
    const entry = await kv.get(["raft", "log", 1]);
    const hard = await kv.get(["raft", "hard"]);
    const rec = await kv.get(["audit", "r", 2]);
    assert.ok(entry.versionstamp && rec.versionstamp);
    assert.equal(
      entry.versionstamp,
      rec.versionstamp,
      "the entry and the audit record share one commit",
    );
    assert.equal(hard.versionstamp, entry.versionstamp);
    assert.deepEqual((await audit.verify()).ok, true);
    // The shared commit is durable for both: reopening sees the entry.
    const again = new KvStorage(kv);
    assert.deepEqual((await again.load()).entries.map((e) => e.index), [1]);
  } finally {
    kv.close();
  }
});
