import assert from "node:assert/strict";
import { CircuitBreaker } from "../../../runtime/delivery/circuit-breaker.ts";

Deno.test("the breaker opens after the threshold, fails fast, then trials once", () => {
  const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000 });
  for (let i = 0; i < 2; i++) {
    assert.ok(b.allow(0));
    b.failure(0);
  }
  assert.equal(b.state(0), "closed");
  b.failure(10);
  assert.equal(b.state(10), "open");
  assert.equal(b.allow(500), false);
  assert.equal(b.state(1010), "half-open");
  assert.ok(b.allow(1010));
  assert.equal(b.allow(1011), false, "one trial at a time");
  b.failure(1020);
  assert.equal(b.state(1500), "open", "a failed trial reopens");
  assert.ok(b.allow(2100));
  b.success();
  assert.equal(b.state(2100), "closed");
  assert.throws(
    () => new CircuitBreaker({ failureThreshold: 0 }),
    /failureThreshold must be >= 1, got 0/,
  );
});

Deno.test("a success resets the failure count", () => {
  const b = new CircuitBreaker({ failureThreshold: 2 });
  b.failure(0);
  b.success();
  b.failure(0);
  assert.equal(b.state(0), "closed");
});
