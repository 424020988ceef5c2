import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import { liveNodes, rankInstances, spreadKey, weight } from "../../../runtime/replicas/mod.ts";
import type { ReplicaPlacement } from "../../../runtime/directory/mod.ts";

const THREE: ReplicaPlacement[] = [
  { index: 0, node: "a" },
  { index: 1, node: "b" },
  { index: 2, node: "c" },
];

Deno.test("spreadKey: the conversation id, else the message id", () => {
  assert.equal(spreadKey("conv-1", "m1"), "c:conv-1");
  assert.equal(spreadKey(undefined, "m1"), "m:m1");
  assert.equal(spreadKey("", "m1"), "m:m1");
  // A conversation id that looks like a message key never collides with one.
  assert.notEqual(spreadKey("m1", "x"), spreadKey(undefined, "m1"));
});

Deno.test("rankInstances: the same order for the same key, whatever the order given", () => {
  fc.assert(fc.property(fc.string(), (key) => {
    const one = rankInstances(key, THREE).map((p) => p.index);
    const other = rankInstances(key, [...THREE].reverse()).map((p) => p.index);
    assert.deepEqual(one, other);
    assert.deepEqual([...one].sort(), [0, 1, 2]);
  }));
});

Deno.test("rankInstances: losing an instance moves only the conversations it had", () => {
  fc.assert(fc.property(fc.array(fc.string(), { minLength: 50, maxLength: 50 }), (keys) => {
    for (const key of keys) {
      const first = rankInstances(key, THREE)[0];
      const without = THREE.filter((p) => p.index !== 2);
      const now = rankInstances(key, without)[0];
      if (first.index !== 2) assert.equal(now.index, first.index);
      // The conversations of the lost instance go to the next of their own order.
      else assert.equal(now.index, rankInstances(key, THREE)[1].index);
    }
  }));
});

Deno.test("rankInstances: 3,000 conversations spread within 10 % of a third each", () => {
  const counts = [0, 0, 0];
  for (let i = 0; i < 3000; i++) {
    counts[rankInstances(spreadKey(`conv-${i}`, "m"), THREE)[0].index]++;
  }
  for (const c of counts) assert.ok(c > 900 && c < 1100, `counts ${counts}`);
});

Deno.test("weight: a fixed value (every node computes the same)", () => {
  assert.equal(weight("c:x", 0), weight("c:x", 0));
  assert.notEqual(weight("c:x", 0), weight("c:x", 1));
  assert.ok(Number.isInteger(weight("", 5)) && weight("", 5) >= 0);
});

Deno.test("liveNodes: this node, and members heard from within the limit", () => {
  assert.deepEqual(
    liveNodes("b", ["c", "a", "b", "d"], {
      a: { silentMs: 100 },
      c: { silentMs: 5000 },
      d: { silentMs: 1999 },
    }, 2000),
    ["a", "b", "d"],
  );
  // A member without figures (just joined, or on a follower) counts as live.
  assert.deepEqual(liveNodes("a", ["a", "b"], {}, 2000), ["a", "b"]);
});
