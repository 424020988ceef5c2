// DueQueue: names by the time each is due (a heap with lazy deletion), against a plain map.
import assert from "node:assert/strict";
import fc from "../support/fast-check.ts";
import { DueQueue } from "../../runtime/async/mod.ts";

Deno.test("DueQueue: takes due names earliest first; a new time replaces the old one", () => {
  const q = new DueQueue();
  q.watch("c", 30);
  q.watch("a", 10);
  q.watch("b", 20);
  q.watch("a", 25); // looked at later now: its time 10 is stale
  assert.equal(q.size, 3);
  assert.equal(q.next(), 20);
  assert.deepEqual(q.takeDue(9), []);
  assert.deepEqual(q.takeDue(25), ["b", "a"]);
  q.forget("c");
  assert.equal(q.next(), undefined);
  assert.deepEqual(q.takeDue(100), []);
  assert.equal(q.size, 0);
  assert.throws(() => q.watch("x", NaN), /'x' is NaN/);
});

Deno.test("DueQueue: rewatching keeps the heap bounded", () => {
  const q = new DueQueue();
  for (let i = 0; i < 10_000; i++) q.watch(`n${i % 10}`, i);
  assert.equal(q.size, 10);
  assert.deepEqual(q.takeDue(1e9), Array.from({ length: 10 }, (_, i) => `n${i}`));
});

Deno.test("DueQueue: agrees with a map of name to time (property)", () => {
  type Op = { op: "watch"; name: string; at: number } | { op: "forget"; name: string } | {
    op: "take";
    now: number;
  };
  const name = fc.constantFrom("a", "b", "c", "d", "e");
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant("watch" as const), name, at: fc.integer({ min: 0, max: 100 }) }),
    fc.record({ op: fc.constant("forget" as const), name }),
    fc.record({ op: fc.constant("take" as const), now: fc.integer({ min: 0, max: 100 }) }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
    const q = new DueQueue();
    const model = new Map<string, number>();
    for (const o of ops) {
      if (o.op === "watch") {
        q.watch(o.name, o.at);
        model.set(o.name, o.at);
      } else if (o.op === "forget") {
        q.forget(o.name);
        model.delete(o.name);
      } else {
        const due = [...model].filter(([, at]) => at <= o.now);
        const taken = q.takeDue(o.now);
        assert.deepEqual([...taken].sort(), due.map(([n]) => n).sort());
        // Earliest first.
        const times = taken.map((n) => model.get(n)!);
        assert.deepEqual(times, [...times].sort((x, y) => x - y));
        for (const [n] of due) model.delete(n);
      }
      assert.equal(q.size, model.size);
      const min = Math.min(...model.values());
      assert.equal(q.next(), model.size ? min : undefined);
    }
  }));
});
