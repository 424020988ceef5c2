import assert from "node:assert/strict";
import { cluster, elect } from "./helpers.ts";

Deno.test("check-quorum: a leader cut off from a quorum steps down; the majority elects anew", () => {
  const c = cluster(["n1", "n2", "n3"], { raft: { checkQuorum: true, electionTicks: 10 } });
  elect(c, "n1");
  const term = c.node("n1").raft!.term;
  c.net.isolate("n1", ["n2", "n3"]);
  c.tickAll(20); // at most two election timeouts
  assert.equal(c.node("n1").raft!.role, "follower", "stepped down");
  c.tickAll(30);
  const leader = c.leader();
  assert.ok(leader && leader.id !== "n1", "n2 or n3 leads");
  assert.ok(leader.raft!.term > term);
});

Deno.test("check-quorum off: the cut-off leader keeps believing it leads", () => {
  const c = cluster(["n1", "n2", "n3"], { raft: { checkQuorum: false, electionTicks: 10 } });
  elect(c, "n1");
  c.net.isolate("n1", ["n2", "n3"]);
  c.tickAll(20);
  assert.equal(c.node("n1").raft!.role, "leader");
});

Deno.test("check-quorum: a follower that hears from its leader ignores higher-term votes", () => {
  const c = cluster(["n1", "n2", "n3"], { raft: { checkQuorum: true } });
  elect(c, "n1");
  const n2 = c.node("n2").raft!;
  const term = n2.term;
  n2.step({
    type: "vote",
    term: term + 5,
    from: "n3",
    to: "n2",
    lastIndex: 100,
    lastTerm: term + 4,
    transfer: false,
  });
  assert.equal(n2.term, term, "term unchanged");
  assert.equal(n2.ready().messages.length, 0, "no answer");
  // A transfer-initiated election is not subject to the lease.
  n2.step({
    type: "vote",
    term: term + 5,
    from: "n3",
    to: "n2",
    lastIndex: 100,
    lastTerm: term + 4,
    transfer: true,
  });
  assert.equal(n2.term, term + 5);
});
