import { assert } from "./helpers.ts";
import { clonePlain } from "../../../protocols/clone.ts";
import { start, step } from "../../../protocols/machine.ts";

Deno.test("clonePlain: a deep copy of plain data, sharing nothing with the original", () => {
  const v = { a: 1, b: null, c: "x", d: [1, { e: [2, 3] }], f: { g: { h: true } }, u: undefined };
  const copy = clonePlain(v);
  assert.deepEqual(copy, v);
  assert.notStrictEqual(copy.d, v.d);
  assert.notStrictEqual(copy.d[1], v.d[1]);
  assert.notStrictEqual(copy.f.g, v.f.g);
  (copy.d[1] as { e: number[] }).e.push(4);
  copy.f.g.h = false;
  assert.deepEqual(v.d[1], { e: [2, 3] }, "the original is untouched");
  assert.equal(v.f.g.h, true);
  assert.equal(clonePlain(5), 5);
  assert.equal(clonePlain(null), null);
});

Deno.test("a protocol step leaves the state it was given as it was", () => {
  const s0 = start("fipa-request", "participant", { self: "b@n" });
  const before = JSON.stringify(s0);
  const r = step(s0, {
    type: "message",
    direction: "received",
    message: { performative: "request", from: "a@n", to: ["b@n"] },
  });
  assert.ok(r.ok);
  assert.equal(JSON.stringify(s0), before);
  if (!r.ok) return;
  const before2 = JSON.stringify(r.state);
  const r2 = step(r.state, {
    type: "message",
    direction: "sent",
    message: { performative: "agree", from: "b@n", to: ["a@n"] },
  });
  assert.ok(r2.ok);
  assert.equal(JSON.stringify(r.state), before2, "the threads of the earlier state are not shared");
});
