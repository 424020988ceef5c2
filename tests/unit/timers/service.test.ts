import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import { ManualTimers } from "../../../runtime/async/mod.ts";
import { type AgentTimer, DurableTimers, type TimerTable } from "../../../runtime/timers/mod.ts";

function setup(opts: { max?: number | ((agent: string) => number); failFire?: boolean } = {}) {
  const timers = new ManualTimers();
  const fired: { agent: string; t: AgentTimer; at: number }[] = [];
  const saved = new Map<string, TimerTable | undefined>();
  const batches: string[][] = [];
  let n = 0;
  const svc = new DurableTimers({
    timers,
    now: () => timers.now(),
    save: (tables) => {
      for (const [agent, table] of tables) saved.set(agent, table && structuredClone(table));
      batches.push([...tables.keys()]);
      return Promise.resolve();
    },
    fire: (agent, t) => {
      fired.push({ agent, t, at: timers.now() });
      return opts.failFire ? Promise.reject(new Error("agent stopped")) : Promise.resolve();
    },
    newId: () => `t${++n}`,
    max: opts.max,
  });
  return { timers, fired, saved, batches, svc };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

Deno.test("durable timers: each fires once, at its due time, in due order across agents", async () => {
  const { timers, fired, saved, svc } = setup();
  assert.deepEqual(svc.set("a@p", { tag: "late", dueAtMs: 300 }), { ok: true, id: "t1" });
  assert.deepEqual(svc.set("b@p", { tag: "early", dueAtMs: 100 }), { ok: true, id: "t2" });
  svc.set("a@p", { tag: "mid", dueAtMs: 200 });
  assert.equal(timers.pending, 1, "one real timer for all agents");
  await settle();
  assert.deepEqual(saved.get("a")?.timers.map((t) => t.tag), ["mid", "late"]);
  timers.advance(99);
  assert.equal(fired.length, 0);
  timers.advance(1);
  timers.advance(150);
  assert.deepEqual(fired.map((f) => `${f.agent}:${f.t.tag}@${f.at}`), [
    "b:early@100",
    "a:mid@200",
  ]);
  timers.advance(10_000);
  assert.equal(fired.length, 3);
  assert.equal(timers.pending, 0);
  await settle();
  assert.equal(saved.get("a"), undefined, "nothing left stored after firing");
});

Deno.test("durable timers: cancel, the per-agent limit, take and load back", async () => {
  const { timers, fired, svc } = setup({ max: 2 });
  svc.set("a@p", { tag: "x", dueAtMs: 50 });
  svc.set("a@p", { tag: "y", dueAtMs: 60 });
  const full = svc.set("a@p", { tag: "z", dueAtMs: 70 });
  assert.equal(full.ok, false);
  assert.deepEqual(svc.set("b@p", { tag: "other", dueAtMs: 70 }).ok, true, "per agent");
  assert.equal(svc.cancel("a@p", "t1"), true);
  assert.equal(svc.cancel("a@p", "t1"), false);
  assert.equal(svc.cancel("nobody@p", "t1"), false);
  const moving = svc.take("a");
  assert.deepEqual(moving?.timers.map((t) => t.tag), ["y"]);
  timers.advance(100);
  assert.deepEqual(fired.map((f) => f.t.tag), ["other"], "a taken table never fires here");
  svc.load("a", moving);
  timers.advance(0);
  assert.deepEqual(fired.map((f) => f.t.tag), ["other", "y"], "a past-due loaded timer fires");
  await svc.drop("b");
  await svc.close();
});

Deno.test("durable timers: a timer whose agent cannot take it is stored until tried", async () => {
  const { timers, fired, saved, svc } = setup({ failFire: true });
  svc.set("a@p", { tag: "x", dueAtMs: 10 });
  await settle();
  assert.equal(saved.get("a")?.timers.length, 1);
  timers.advance(10);
  assert.equal(fired.length, 1);
  await settle();
  await settle();
  assert.equal(saved.get("a"), undefined, "tried once, then gone from storage");
  await svc.close();
});

Deno.test("durable timers: a burst of changes over many agents is one write, later ones the next", async () => {
  const { timers, saved, batches, svc } = setup();
  for (let i = 0; i < 50; i++) svc.set(`a${i % 10}@p`, { tag: `t${i}`, dueAtMs: 100 + i });
  await settle();
  assert.equal(batches.length, 1, "one write for 50 changes of 10 agents");
  assert.equal(batches[0].length, 10);
  assert.equal(saved.get("a3")?.timers.length, 5);
  timers.advance(100 + 49);
  await settle();
  await settle();
  assert.equal(batches.length, 2, "the fired timers of every agent go in one more write");
  assert.equal(saved.size, 10);
  for (const t of saved.values()) assert.equal(t, undefined, "nothing left stored");
  await svc.close();
});

Deno.test("durable timers: a change made while a write runs is written after it, never lost", async () => {
  const timers = new ManualTimers();
  const writes: { tables: Map<string, number | undefined>; done: () => void }[] = [];
  const svc = new DurableTimers({
    timers,
    now: () => timers.now(),
    save: (tables) =>
      new Promise<void>((done) =>
        writes.push({
          tables: new Map([...tables].map(([k, v]) => [k, v?.timers.length])),
          done,
        })
      ),
    fire: () => Promise.resolve(),
  });
  svc.set("a@p", { tag: "x", dueAtMs: 10 });
  await settle();
  assert.equal(writes.length, 1);
  svc.set("a@p", { tag: "y", dueAtMs: 20 });
  svc.set("b@p", { tag: "z", dueAtMs: 20 });
  await settle();
  assert.equal(writes.length, 1, "waits for the running write");
  writes[0].done();
  await settle();
  assert.equal(writes.length, 2);
  assert.deepEqual([...writes[1].tables], [["a", 2], ["b", 1]]);
  writes[1].done();
  await svc.close();
});

Deno.test("durable timers: each agent's own limit (its limits.timers)", () => {
  const { svc } = setup({ max: (agent) => (agent === "small" ? 1 : 3) });
  assert.equal(svc.set("small@p", { tag: "a", dueAtMs: 10 }).ok, true);
  assert.deepEqual(svc.set("small@p", { tag: "b", dueAtMs: 10 }), {
    ok: false,
    error: "too many timers: 1 pending, limits.timers is 1",
  });
  for (const tag of ["a", "b", "c"]) assert.equal(svc.set("big@p", { tag, dueAtMs: 10 }).ok, true);
  assert.equal(svc.set("big@p", { tag: "d", dueAtMs: 10 }).ok, false);
});

Deno.test("durable timers: over many agents, every timer fires once, at its due time (property)", () => {
  type Op =
    | { op: "set"; agent: number; ahead: number }
    | { op: "cancel"; pick: number }
    | { op: "drop"; agent: number }
    | { op: "advance"; ms: number };
  const agent = fc.integer({ min: 0, max: 30 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      arbitrary: fc.record({ op: fc.constant("set" as const), agent, ahead: fc.nat(300) }),
      weight: 5,
    },
    { arbitrary: fc.record({ op: fc.constant("cancel" as const), pick: fc.nat() }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant("drop" as const), agent }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant("advance" as const), ms: fc.nat(200) }), weight: 2 },
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
    const { timers, fired, svc } = setup({ max: 1000 });
    const pending = new Map<string, { agent: string; due: number }>();
    const check = () => {
      for (const f of fired.splice(0)) {
        const want = pending.get(f.t.id);
        assert.ok(want, `timer ${f.t.id} fired once, not cancelled or dropped`);
        assert.equal(f.agent, want.agent);
        assert.equal(f.at, want.due, "fired at its due time");
        pending.delete(f.t.id);
      }
      for (const [id, p] of pending) assert.ok(p.due > timers.now(), `${id} due, not fired`);
    };
    for (const o of ops) {
      if (o.op === "set") {
        const due = timers.now() + o.ahead;
        const r = svc.set(`a${o.agent}@p`, { tag: "t", dueAtMs: due });
        assert.ok(r.ok);
        pending.set(r.id, { agent: `a${o.agent}`, due });
      } else if (o.op === "cancel") {
        const ids = [...pending.keys()];
        if (ids.length === 0) continue;
        const id = ids[o.pick % ids.length];
        assert.equal(svc.cancel(`${pending.get(id)!.agent}@p`, id), true);
        pending.delete(id);
      } else if (o.op === "drop") {
        svc.drop(`a${o.agent}`).catch(() => {});
        for (const [id, p] of pending) if (p.agent === `a${o.agent}`) pending.delete(id);
      } else {
        timers.advance(o.ms);
        check();
      }
      assert.ok(timers.pending <= 1, "one real timer");
    }
    timers.advance(1000);
    check();
    assert.equal(pending.size, 0);
  }));
});
