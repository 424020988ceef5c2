import assert from "node:assert/strict";
import { cluster, elect, put, stateWithLog } from "./helpers.ts";
import { SimCluster } from "../../sim/cluster.ts";

Deno.test("election: ticking a 3-node cluster elects exactly one leader", () => {
  const c = cluster();
  for (let i = 0; i < 40 && !c.leader(); i++) c.tickAll();
  const leader = c.leader();
  assert.ok(leader, "a leader within 40 ticks");
  const term = leader.raft!.term;
  for (const n of c.nodes.values()) {
    assert.equal(n.raft!.term, term);
    assert.equal(n.raft!.leader, leader.id);
    if (n !== leader) assert.equal(n.raft!.role, "follower");
  }
});

Deno.test("election: a single-node cluster elects itself and commits alone", () => {
  const c = cluster(["solo"]);
  const n = elect(c, "solo");
  const op = put(c, n, "k", "v");
  assert.equal(op.status, "ok");
  assert.equal(n.raft!.commitIndex, 2); // noop + put
  assert.equal(n.sm.get("k"), "v");
});

Deno.test("election: a candidate with a stale log cannot win", () => {
  const c = new SimCluster({ seed: 2, raft: { preVote: false } });
  // n3 missed entries 2 and 3 of term 1.
  c.addNode("n1", stateWithLog(["n1", "n2", "n3"], [1, 1, 1]));
  c.addNode("n2", stateWithLog(["n1", "n2", "n3"], [1, 1, 1]));
  const n3 = c.addNode("n3", stateWithLog(["n1", "n2", "n3"], [1]));
  n3.raft!.campaign();
  n3.process();
  c.settle();
  assert.equal(n3.raft!.role, "follower", "n1 and n2 refuse their votes");
  assert.equal(n3.raft!.term, 2, "the election was held");
  const n1 = elect(c, "n1");
  assert.equal(n1.raft!.term, 3);
});

Deno.test("election: a node grants one vote per term", () => {
  const c = new SimCluster({ seed: 3, raft: { preVote: false } });
  const voters = ["a", "b", "c"];
  const a = c.addNode("a", stateWithLog(voters, [1]));
  const b = c.addNode("b", stateWithLog(voters, [1]));
  const v = c.addNode("c", stateWithLog(voters, [1]));
  // a and b both campaign for term 2; only c's vote decides, and it goes to the first asker.
  a.raft!.campaign();
  b.raft!.campaign();
  a.process();
  b.process();
  c.settle((m) => m.to === "c" || m.from === "c");
  assert.equal(v.raft!.status().vote, "a");
  assert.equal(a.raft!.role, "leader");
  assert.notEqual(b.raft!.role, "leader");
});
