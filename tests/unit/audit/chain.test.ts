import assert from "node:assert/strict";
import {
  AuditLog,
  type AuditRecord,
  chainNext,
  ORIGIN,
  prunePlan,
  recordHash,
  verifyChain,
} from "../../../runtime/audit/mod.ts";

const event = (i: number) => ({
  at: `2026-12-0${i}T00:00:00.000Z`,
  actor: "alice",
  action: "agent.deploy",
  target: `a${i}`,
  outcome: "ok" as const,
});

function chain(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  let head = ORIGIN;
  for (let i = 1; i <= n; i++) {
    const r = chainNext(head, event(i));
    out.push(r);
    head = { seq: r.seq, hash: r.hash };
  }
  return out;
}

Deno.test("a chain verifies; an edit, a re-hashed edit and a removal are each found", () => {
  const c = chain(4);
  assert.deepEqual(c.map((r) => r.seq), [1, 2, 3, 4]);
  assert.equal(c[1].prev, c[0].hash);
  const v = verifyChain(c, ORIGIN);
  assert.ok(v.ok && v.checked === 4 && v.head.hash === c[3].hash);

  const edited = c.map((r) => r.seq === 2 ? { ...r, outcome: "refused" as const } : r);
  assert.deepEqual(verifyChain(edited, ORIGIN), {
    ok: false,
    checked: 1,
    seq: 2,
    reason: "edited",
  });
  // An editor who recomputes the hash breaks the next link instead.
  const rehashed = edited.map((r) => r.seq === 2 ? { ...r, hash: recordHash(r) } : r);
  assert.deepEqual(verifyChain(rehashed, ORIGIN), {
    ok: false,
    checked: 2,
    seq: 3,
    reason: "broken link",
  });
  const removed = c.filter((r) => r.seq !== 3);
  assert.deepEqual(verifyChain(removed, ORIGIN), {
    ok: false,
    checked: 2,
    seq: 3,
    reason: "missing record",
  });
});

Deno.test("pruning deletes the old records, keeps the newest, and the rest verifies from the anchor", () => {
  const c = chain(5);
  const plan = prunePlan(c, "2026-12-03T00:00:00.000Z");
  assert.deepEqual(plan.delete, [1, 2]);
  assert.deepEqual(plan.anchor, { seq: 2, hash: c[1].hash });
  const kept = c.slice(2);
  assert.ok(verifyChain(kept, plan.anchor!).ok);
  assert.equal(verifyChain(kept.slice(1), plan.anchor!).ok, false, "removing the oldest kept");
  assert.deepEqual(prunePlan(c, "2030-01-01T00:00:00.000Z").delete, [1, 2, 3, 4], "newest kept");
  assert.deepEqual(prunePlan(c, "2000-01-01T00:00:00.000Z"), { delete: [], anchor: undefined });
});

Deno.test("the KV log: order, filters, cursor paging, verify finds an edited record, pruning", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fipa-edge-audit-" });
  const kv = await Deno.openKv(`${dir}/audit.kv`);
  try {
    let now = new Date("2026-12-01T00:00:00.000Z");
    const log = new AuditLog(kv, { retentionDays: 2, now: () => now });
    const actions = ["agent.deploy", "agent.stop", "auth.token", "agent.start", "agent.delete"];
    await Promise.all(actions.map((action, i) =>
      log.append({
        actor: i === 2 ? "unknown" : "alice",
        action,
        target: i === 2 ? "GET /api/v1/agents" : "echo",
        outcome: i === 2 ? "refused" : "ok",
        trace_id: `t${i}`,
      })
    ));
    const all = await log.list({ limit: 100 });
    assert.deepEqual(all.records.map((r) => r.action), actions, "in order of appending");
    assert.equal(all.next_cursor, undefined);
    assert.deepEqual(
      (await log.list({ limit: 10, outcome: "refused" })).records.map((r) => r.seq),
      [3],
    );
    assert.equal((await log.list({ limit: 10, action: "agent" })).records.length, 4, "prefix");
    const p1 = await log.list({ limit: 2, target: "echo" });
    assert.deepEqual(p1.records.map((r) => r.seq), [1, 2]);
    const p2 = await log.list({ limit: 2, target: "echo", cursor: p1.next_cursor });
    assert.deepEqual(p2.records.map((r) => r.seq), [4, 5]);
    assert.equal(p2.next_cursor, undefined);
    assert.deepEqual(await log.verify(), {
      ok: true,
      checked: 5,
      head: { seq: 5, hash: all.records[4].hash },
      anchor: ORIGIN,
    });

    // Someone with access to the KV file edits a record.
    const key = ["audit", "r", 3];
    const rec = (await kv.get<AuditRecord>(key)).value!;
    await kv.set(key, { ...rec, outcome: "ok" });
    const broken = await log.verify();
    assert.equal(broken.ok, false);
    assert.equal(!broken.ok && broken.seq, 3);
    assert.equal(!broken.ok && broken.reason, "edited");
    await kv.set(key, rec);
    // ... or deletes the newest.
    await kv.delete(["audit", "r", 5]);
    const cut = await log.verify();
    assert.equal(!cut.ok && cut.reason, "missing record");
    await kv.set(["audit", "r", 5], all.records[4]);

    // Three days later, two more records; pruning keeps what is within two days.
    now = new Date("2026-12-04T00:00:00.000Z");
    await log.append({ actor: "bob", action: "cluster.drain", target: "node1", outcome: "ok" });
    assert.equal(await log.prune(), 5);
    const left = await log.list({ limit: 10 });
    assert.deepEqual(left.records.map((r) => r.seq), [6]);
    const v = await log.verify();
    assert.ok(v.ok, JSON.stringify(v));
    assert.deepEqual(v.anchor, { seq: 5, hash: all.records[4].hash });
    await log.append({ actor: "bob", action: "agent.deploy", target: "x", outcome: "ok" });
    assert.ok((await log.verify()).ok);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the KV log stores appends made during a write together, in order, and the chain verifies", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fipa-edge-audit-" });
  const kv = await Deno.openKv(`${dir}/audit.kv`);
  try {
    const log = new AuditLog(kv, { retentionDays: 0 });
    const atomic = kv.atomic.bind(kv);
    let writes = 0;
    kv.atomic = () => {
      writes++;
      return atomic();
    };
    const n = 600;
    const recs = await Promise.all(Array.from({ length: n }, (_, i) =>
      log.append({
        actor: "alice",
        action: "service.register",
        target: `agent-${i}`,
        outcome: "ok",
        trace_id: `t${i}`,
      })));
    assert.deepEqual(recs.map((r) => r.seq), recs.map((_, i) => i + 1), "seq in append order");
    assert.deepEqual(recs.map((r) => r.target), recs.map((_, i) => `agent-${i}`));
    // The first append writes alone; the other 599 wait for it and go in batches of 256.
    assert.ok(writes <= 4, `${n} appends took ${writes} atomic writes`);
    const v = await log.verify();
    assert.equal(v.ok, true);
    assert.equal(v.checked, n);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the KV log reads its head once, and a head another writer moved is read again", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fipa-edge-audit-" });
  const kv = await Deno.openKv(`${dir}/audit.kv`);
  try {
    const get = kv.get.bind(kv);
    let reads = 0;
    kv.get = ((key: Deno.KvKey) => {
      reads++;
      return get(key);
    }) as typeof kv.get;
    const a = new AuditLog(kv, { retentionDays: 0 });
    const b = new AuditLog(kv, { retentionDays: 0 });
    const append = (log: AuditLog, i: number) =>
      log.append({ actor: "alice", action: "agent.deploy", target: `a${i}`, outcome: "ok" });
    for (let i = 1; i <= 5; i++) await append(a, i);
    assert.equal(reads, 1, "one head read for five appends in a row");
    // b writes behind a's back: a's remembered head is stale, its check fails, it reads again.
    assert.equal((await append(b, 6)).seq, 6);
    assert.equal((await append(a, 7)).seq, 7);
    assert.equal((await append(b, 8)).seq, 8);
    const v = await a.verify();
    assert.equal(v.ok, true);
    assert.equal(v.checked, 8);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});
