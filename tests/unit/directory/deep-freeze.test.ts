import assert from "node:assert/strict";
import { deepFreeze } from "../../../runtime/directory/deep-freeze.ts";

Deno.test("deepFreeze freezes every object and array inside a JSON value and returns it", () => {
  const v = JSON.parse('{"a":[{"b":[1,{"c":null}]},"s"],"d":{"e":{"f":[]}},"g":0}');
  assert.equal(deepFreeze(v), v);
  for (const o of [v, v.a, v.a[0], v.a[0].b, v.a[0].b[1], v.d, v.d.e, v.d.e.f]) {
    assert.equal(Object.isFrozen(o), true, JSON.stringify(o));
  }
  assert.equal(deepFreeze(null), null);
  assert.equal(deepFreeze("x"), "x");
});
