import assert from "node:assert/strict";
import { TrafficSplit } from "../../../runtime/deployments/traffic.ts";

Deno.test("traffic: new conversations split by weight exactly; a conversation keeps its side", () => {
  const t = new TrafficSplit(10);
  const sides = Array.from({ length: 1000 }, (_, i) => t.pick(`c${i}`));
  assert.equal(sides.filter((s) => s === "next").length, 100);
  // Any 10 consecutive new conversations: exactly one goes to the next version.
  for (let i = 0; i + 10 <= 1000; i += 10) {
    assert.equal(sides.slice(i, i + 10).filter((s) => s === "next").length, 1);
  }
  assert.deepEqual(t.counts(), { stable: 900, next: 100 });
  // Later messages of the same conversations: the same side, and not counted again.
  for (let i = 0; i < 1000; i++) assert.equal(t.pick(`c${i}`), sides[i]);
  assert.deepEqual(t.counts(), { stable: 900, next: 100 });

  t.setWeight(50);
  for (let i = 0; i < 1000; i++) assert.equal(t.pick(`c${i}`), sides[i], "old ones stay");
  for (let i = 1000; i < 1100; i++) t.pick(`c${i}`);
  assert.deepEqual(t.counts(), { stable: 50, next: 50 });
  t.setWeight(100);
  for (let i = 1100; i < 1110; i++) assert.equal(t.pick(`c${i}`), "next");
  t.setWeight(0);
  for (let i = 1110; i < 1120; i++) assert.equal(t.pick(`c${i}`), "stable");
});

Deno.test("traffic: messages outside conversations are split but not remembered; memory is bounded", () => {
  const t = new TrafficSplit(50, 4);
  assert.deepEqual([t.pick(undefined), t.pick(undefined)], ["stable", "next"]);
  for (let i = 0; i < 6; i++) t.pick(`c${i}`);
  // c0 and c1 were forgotten: they are new again (and split as such).
  assert.deepEqual(t.counts(), { stable: 4, next: 4 });
  t.pick("c5");
  assert.deepEqual(t.counts(), { stable: 4, next: 4 });
  t.pick("c0");
  assert.equal(t.counts().stable + t.counts().next, 9);
  t.forget("next");
  const again = t.pick("c5");
  assert.equal(t.counts().stable + t.counts().next, 10, `c5 (${again}) was new again`);
});

Deno.test("traffic: sideOf tells a conversation's side without giving one to a new one", () => {
  const t = new TrafficSplit(50);
  assert.equal(t.sideOf("c0"), undefined);
  assert.deepEqual(t.counts(), { stable: 0, next: 0 });
  const sides = [t.pick("c0"), t.pick("c1")];
  assert.deepEqual([t.sideOf("c0"), t.sideOf("c1")], sides);
  assert.deepEqual(t.counts(), { stable: 1, next: 1 });
  t.forget(sides[0]);
  assert.equal(t.sideOf("c0"), undefined);
});
