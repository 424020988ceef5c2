import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import {
  addTimer,
  type AgentTimer,
  cancelTimer,
  EMPTY_TIMERS,
  MAX_TIMER_AHEAD_MS,
  MAX_TIMER_TAG_LENGTH,
  nextDue,
  takeDue,
  type TimerTable,
  TimerTableSchema,
} from "../../../runtime/timers/mod.ts";

function add(t: TimerTable, id: string, dueAtMs: number, tag = id, now = 0, max?: number) {
  const r = addTimer(t, { id, tag, dueAtMs }, now, max);
  if (!r.ok) throw new Error(r.error);
  return r.table;
}

Deno.test("timers come out in due order, ties in the order they were set", () => {
  let t = EMPTY_TIMERS;
  t = add(t, "a", 300);
  t = add(t, "b", 100);
  t = add(t, "c", 300);
  t = add(t, "d", 200);
  assert.equal(nextDue(t), 100);
  const early = takeDue(t, 99);
  assert.deepEqual(early.due, []);
  assert.equal(early.table, t);
  const r = takeDue(t, 300);
  assert.deepEqual(r.due.map((x) => x.id), ["b", "d", "a", "c"]);
  assert.equal(nextDue(r.table), undefined);
  assert.deepEqual(EMPTY_TIMERS.timers, [], "the empty table is never mutated");
});

Deno.test("a cancelled timer never comes due; cancelling twice answers false", () => {
  let t = add(add(EMPTY_TIMERS, "a", 10), "b", 20);
  const c = cancelTimer(t, "a");
  assert.equal(c.cancelled, true);
  t = c.table;
  assert.equal(cancelTimer(t, "a").cancelled, false);
  assert.equal(cancelTimer(t, "nope").cancelled, false);
  assert.deepEqual(takeDue(t, 100).due.map((x) => x.id), ["b"]);
});

Deno.test("a time in the past is due at once", () => {
  const t = add(EMPTY_TIMERS, "late", 5, "late", 1_000);
  assert.deepEqual(takeDue(t, 1_000).due.map((x) => x.id), ["late"]);
});

Deno.test("refusals name the bad value; the table is unchanged", () => {
  const t = add(add(EMPTY_TIMERS, "a", 10, "a", 0, 2), "b", 10, "b", 0, 2);
  const full = addTimer(t, { id: "c", tag: "c", dueAtMs: 5 }, 0, 2);
  assert.deepEqual(full, { ok: false, error: "too many timers: 2 pending, limits.timers is 2" });
  const long = addTimer(EMPTY_TIMERS, {
    id: "x",
    tag: "t".repeat(MAX_TIMER_TAG_LENGTH + 1),
    dueAtMs: 1,
  }, 0);
  assert.ok(!long.ok && long.error.includes(String(MAX_TIMER_TAG_LENGTH + 1)));
  for (const dueAtMs of [NaN, Infinity, -1]) {
    const r = addTimer(EMPTY_TIMERS, { id: "x", tag: "", dueAtMs }, 0);
    assert.ok(!r.ok && r.error.includes(String(dueAtMs)), String(dueAtMs));
  }
  const far = addTimer(EMPTY_TIMERS, { id: "x", tag: "", dueAtMs: MAX_TIMER_AHEAD_MS + 1 }, 0);
  assert.ok(!far.ok && far.error.includes(String(MAX_TIMER_AHEAD_MS + 1)));
  const dup = addTimer(t, { id: "a", tag: "", dueAtMs: 1 }, 0);
  assert.ok(!dup.ok && dup.error.includes("'a'"));
  assert.equal(t.timers.length, 2);
});

Deno.test("the stored form validates and comes back in due order", () => {
  const t = add(add(EMPTY_TIMERS, "a", 20), "b", 10);
  const back = TimerTableSchema.parse(JSON.parse(JSON.stringify(t)));
  assert.deepEqual(back, t);
  const shuffled = TimerTableSchema.parse({ timers: [t.timers[1], t.timers[0]] });
  assert.deepEqual(shuffled.timers.map((x) => x.id), ["b", "a"]);
  assert.equal(TimerTableSchema.safeParse({ timers: [{ id: "a", dueAtMs: 1 }] }).success, false);
  assert.equal(
    TimerTableSchema.safeParse({ timers: [{ id: "a", tag: "", dueAtMs: 1.5 }] }).success,
    false,
  );
});

Deno.test("property: every added and not cancelled timer fires exactly once, in due order", () => {
  fc.assert(fc.property(
    fc.array(
      fc.oneof(
        fc.record({ op: fc.constant("add" as const), due: fc.integer({ min: 0, max: 1000 }) }),
        fc.record({ op: fc.constant("cancel" as const), pick: fc.nat() }),
        fc.record({ op: fc.constant("take" as const), now: fc.integer({ min: 0, max: 1000 }) }),
      ),
    ),
    (ops) => {
      let t = EMPTY_TIMERS;
      let seq = 0;
      const live = new Map<string, number>();
      const fired: AgentTimer[] = [];
      for (const o of ops) {
        if (o.op === "add") {
          const id = `t${seq++}`;
          t = add(t, id, o.due, id, 0, 1_000);
          live.set(id, o.due);
        } else if (o.op === "cancel") {
          const ids = [...live.keys()];
          if (!ids.length) continue;
          const id = ids[o.pick % ids.length];
          const c = cancelTimer(t, id);
          assert.ok(c.cancelled);
          t = c.table;
          live.delete(id);
        } else {
          const r = takeDue(t, o.now);
          for (const x of r.due) {
            assert.ok(x.dueAtMs <= o.now);
            assert.ok(live.delete(x.id), `fired twice or cancelled: ${x.id}`);
          }
          for (let i = 1; i < r.due.length; i++) {
            assert.ok(r.due[i - 1].dueAtMs <= r.due[i].dueAtMs);
          }
          fired.push(...r.due);
          t = r.table;
          assert.ok((nextDue(t) ?? Infinity) > o.now);
        }
      }
      const rest = takeDue(t, Infinity);
      assert.deepEqual(new Set(rest.due.map((x) => x.id)), new Set(live.keys()));
    },
  ));
});
