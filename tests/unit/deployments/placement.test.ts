// Replica placement, pure: spread, least loaded first, stable, a lost node's share moved.
import assert from "node:assert/strict";
import { placeReplicas } from "../../../runtime/deployments/placement.ts";

const NODES = [{ id: "a", load: 0.5 }, { id: "b", load: 0.1 }, { id: "c", load: 0.9 }];

Deno.test("placement: 3 replicas on 3 nodes, one each; more go to the least loaded first", () => {
  assert.deepEqual(placeReplicas(3, NODES), ["b", "a", "c"]);
  assert.deepEqual(placeReplicas(4, NODES), ["b", "a", "c", "b"]);
  assert.deepEqual(placeReplicas(1, NODES), ["b"]);
  assert.deepEqual(placeReplicas(0, NODES), []);
  assert.deepEqual(placeReplicas(2, []), []);
});

Deno.test("placement: replicas stay where they run; a lost node's replicas move to the others", () => {
  const before = ["c", "a", "b"];
  assert.deepEqual(placeReplicas(3, NODES, before), before, "nothing moves when nothing changed");
  const withoutA = NODES.filter((n) => n.id !== "a");
  assert.deepEqual(placeReplicas(3, withoutA, before), ["c", "b", "b"]);
  // Scaling down keeps the first ones; up adds on the emptiest node.
  assert.deepEqual(placeReplicas(2, NODES, before), ["c", "a"]);
  assert.deepEqual(placeReplicas(5, NODES, before), ["c", "a", "b", "b", "a"]);
});

Deno.test("placement: no node takes more than its even share; bad counts are refused", () => {
  // All three once on a: two must move.
  assert.deepEqual(placeReplicas(3, NODES, ["a", "a", "a"]), ["a", "b", "c"]);
  assert.throws(() => placeReplicas(-1, NODES), /replicas .* got -1/);
  assert.throws(() => placeReplicas(2.5, NODES), /got 2\.5/);
});
