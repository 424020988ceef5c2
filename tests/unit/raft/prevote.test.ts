import assert from "node:assert/strict";
import { cluster, elect, put } from "./helpers.ts";

/** Isolates n3 from a 3-node cluster led by n1 for 60 ticks, then heals for 25 ticks. */
function isolateAndRejoin(preVote: boolean) {
  const c = cluster(["n1", "n2", "n3"], { raft: { preVote, checkQuorum: false } });
  const leader = elect(c, "n1");
  const term = leader.raft!.term;
  c.net.isolate("n3", ["n1", "n2"]);
  c.tickAll(60);
  const isolatedTerm = c.node("n3").raft!.term;
  c.net.heal();
  c.tickAll(25);
  return { c, term, isolatedTerm };
}

Deno.test("pre-vote: a partitioned node does not inflate its term or disrupt on rejoin", () => {
  const { c, term, isolatedTerm } = isolateAndRejoin(true);
  assert.equal(isolatedTerm, term, "pre-votes failed, so the term did not move");
  assert.equal(c.node("n1").raft!.role, "leader");
  assert.equal(c.node("n1").raft!.term, term);
  assert.equal(c.node("n3").raft!.leader, "n1");
  assert.equal(put(c, c.node("n1"), "k", "v").status, "ok");
});

Deno.test("pre-vote off: the same rejoin deposes the leader (what pre-vote prevents)", () => {
  const { c, term, isolatedTerm } = isolateAndRejoin(false);
  assert.ok(isolatedTerm > term + 2, `isolated node campaigned up to term ${isolatedTerm}`);
  const leader = c.leader();
  assert.ok(!leader || leader.raft!.term > term, "the old leader lost its term");
});
