// The node-wide group commit of Deno KV writes (KvWriter): writes asked for while a commit
// runs share the next one, in order; each keeps its own checks and its own outcome (a failed
// commit of several writes does not fail the innocent ones). In-memory Deno KV.
import assert from "node:assert/strict";
import { KvWriter } from "../../../runtime/agents/kv-writer.ts";
import { AgentStore } from "../../../runtime/agents/agent-store.ts";
import { AuditLog } from "../../../runtime/audit/mod.ts";
import type { AgentRecord } from "../../../runtime/agents/mod.ts";

const set = (key: Deno.KvKey, value: unknown) => ({ ops: [{ key, value }] });
const value = async (kv: Deno.Kv, key: Deno.KvKey) => (await kv.get(key)).value;

Deno.test("kv writer: one per connection; writes in flight share commits and its versionstamp", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const w = KvWriter.of(kv);
    assert.equal(KvWriter.of(kv), w, "every caller of the connection gets the same writer");
    // The first starts alone; the 49 asked while it runs go together in the next commit.
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => w.commit(set(["k", i], i))),
    );
    assert.equal(w.commits, 2);
    for (let i = 0; i < 50; i++) {
      const e = await kv.get(["k", i]);
      assert.equal(e.value, i);
      assert.ok(results[i].ok);
      assert.equal(e.versionstamp, (results[i] as Deno.KvCommitResult).versionstamp);
    }
    assert.equal(new Set(results.slice(1).map((r) => r.ok && r.versionstamp)).size, 1);
  } finally {
    kv.close();
  }
});

Deno.test("kv writer: changes land in the order asked for, deletes included", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await kv.set(["x"], 0); // not through the writer: it is idle when "busy" comes
    const w = KvWriter.of(kv);
    await Promise.all([
      w.set([{ key: ["busy"], value: 1 }]), // under way while the rest queue
      w.set([{ key: ["x"], value: 1 }]),
      w.set([{ key: ["x"] }]),
      w.set([{ key: ["y"], value: 1 }]),
      w.set([{ key: ["y"], value: 2 }]),
      w.set([{ key: ["z"] }]),
      w.set([{ key: ["z"], value: 3 }]),
    ]);
    assert.equal(w.commits, 2);
    assert.equal(await value(kv, ["x"]), null);
    assert.equal(await value(kv, ["y"]), 2);
    assert.equal(await value(kv, ["z"]), 3);
  } finally {
    kv.close();
  }
});

Deno.test("kv writer: a check sees the writes asked for before it, even in a shared batch", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const w = KvWriter.of(kv);
    const [, , claim, other] = await Promise.all([
      w.set([{ key: ["busy"], value: 1 }]),
      w.commit(set(["name"], "first")),
      // Asked after the set above: "name" exists by then, so this claim must fail.
      w.commit({ checks: [{ key: ["name"], versionstamp: null }], ...set(["name"], "second") }),
      w.commit(set(["other"], 1)),
    ]);
    assert.equal(claim.ok, false);
    assert.equal(other.ok, true);
    assert.equal(await value(kv, ["name"]), "first");
    assert.equal(await value(kv, ["other"]), 1);
  } finally {
    kv.close();
  }
});

Deno.test("kv writer: a failed check fails its own write only; its neighbours commit", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const w = KvWriter.of(kv);
    await w.set([{ key: ["taken"], value: 0 }]);
    const [, a, bad, b] = await Promise.all([
      w.set([{ key: ["busy"], value: 1 }]),
      w.commit(set(["a"], 1)),
      w.commit({ checks: [{ key: ["taken"], versionstamp: null }], ...set(["bad"], 1) }),
      w.commit(set(["b"], 1)),
    ]);
    assert.deepEqual([a.ok, bad.ok, b.ok], [true, false, true]);
    assert.equal(await value(kv, ["a"]), 1);
    assert.equal(await value(kv, ["bad"]), null, "nothing of the failed write is stored");
    assert.equal(await value(kv, ["b"]), 1);
  } finally {
    kv.close();
  }
});

Deno.test("kv writer: a write Deno KV refuses rejects alone; the others of its batch commit", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const w = KvWriter.of(kv);
    const tooLarge = new Uint8Array(70_000); // a value is limited to 64 KiB
    const results = await Promise.allSettled([
      w.set([{ key: ["busy"], value: 1 }]),
      w.set([{ key: ["a"], value: 1 }]),
      w.set([{ key: ["huge"], value: tooLarge }]),
      w.set([{ key: ["b"], value: 1 }]),
    ]);
    assert.deepEqual(results.map((r) => r.status), [
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
    assert.match(String((results[2] as PromiseRejectedResult).reason), /64|size|large/i);
    assert.equal(await value(kv, ["a"]), 1);
    assert.equal(await value(kv, ["b"]), 1);
    assert.equal(await value(kv, ["huge"]), null);
  } finally {
    kv.close();
  }
});

Deno.test("kv writer: agents' records and audit records of writers in flight share commits", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = new AgentStore(kv);
    const audit = new AuditLog(kv, { retentionDays: 0 });
    const w = KvWriter.of(kv);
    await store.putRecord({ name: "first" } as unknown as AgentRecord);
    const before = w.commits;
    await Promise.all([
      store.putRecord({ name: "busy" } as unknown as AgentRecord),
      ...Array.from({ length: 8 }, (_, i) => [
        store.putRecord({ name: `a${i}` } as unknown as AgentRecord),
        audit.append({ actor: "t", action: "agent.deploy", target: `a${i}`, outcome: "ok" }),
      ]).flat(),
    ]);
    // One for "busy", one for the 8 records with the first audit write (the audit log
    // writes its own records one batch at a time), one for the other 7 audit records.
    assert.ok(w.commits - before <= 3, `${w.commits - before} commits`);
    for (let i = 0; i < 8; i++) assert.ok(await value(kv, ["agents", `a${i}`]));
    assert.equal((await audit.verify()).ok, true);
    assert.equal((await audit.list({ limit: 100 })).records.length, 8);
  } finally {
    kv.close();
  }
});

Deno.test("kv writer: a write asked for as a settled write's continuation joins the next commit", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const w = KvWriter.of(kv);
    // As the Raft driver asks its next save as soon as its save is durable, while the audit
    // record of what that save's cycle answered waits: both go in one commit.
    const next = w.set([{ key: ["save", 1], value: 1 }]).then(() =>
      w.set([{ key: ["save", 2], value: 2 }])
    );
    const queued = w.set([{ key: ["audit"], value: 1 }]); // asked while save 1 commits
    const [stampNext, stampQueued] = await Promise.all([next, queued]);
    assert.equal(stampNext, stampQueued);
    assert.equal(w.commits, 2);
    assert.equal(await value(kv, ["save", 2]), 2);
  } finally {
    kv.close();
  }
});

Deno.test("kv writer: writes asked for inside together() share one commit, even when idle", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const w = KvWriter.of(kv);
    // Without together() the first would start a commit alone at once.
    const [a, b, c] = w.together(() => [
      w.commit(set(["t", 1], 1)),
      w.commit(set(["t", 2], 2)),
      w.together(() => w.commit(set(["t", 3], 3))), // nested: still held
    ]);
    const results = await Promise.all([a, b, c]);
    assert.equal(w.commits, 1);
    assert.equal(new Set(results.map((r) => r.ok && r.versionstamp)).size, 1);
    assert.equal(await value(kv, ["t", 3]), 3);
    // A throwing fn still lets its writes go.
    let d: Promise<unknown> | undefined;
    assert.throws(() =>
      w.together(() => {
        d = w.commit(set(["t", 4], 4));
        throw new Error("boom");
      }), /boom/);
    assert.ok((await d as Deno.KvCommitResult).ok);
    assert.equal(w.commits, 2);
  } finally {
    kv.close();
  }
});

Deno.test("kv writer: a commitSoon write rides on the next commit, or commits alone after its delay", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const w = KvWriter.of(kv);
    const soon = w.commitSoon(set(["s", 1], 1), 60_000);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(w.commits, 0, "no commit of its own");
    const [a, b] = await Promise.all([soon, w.commit(set(["s", 2], 2))]);
    assert.equal(w.commits, 1, "it went with the next write's commit");
    assert.ok(a.ok && b.ok && a.versionstamp === b.versionstamp);
    // Alone: after its delay.
    const late = await w.commitSoon(set(["s", 3], 3), 10);
    assert.ok(late.ok);
    assert.equal(w.commits, 2);
    // flushSoon: at once.
    const now = w.commitSoon(set(["s", 4], 4), 60_000);
    w.flushSoon();
    assert.ok((await now).ok);
    assert.equal(await value(kv, ["s", 4]), 4);
  } finally {
    kv.close();
  }
});
