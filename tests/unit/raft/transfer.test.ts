import assert from "node:assert/strict";
import { RaftError } from "../../../runtime/raft/mod.ts";
import { cluster, elect, put } from "./helpers.ts";

Deno.test("transfer: an up-to-date follower takes over at once (no election timeout)", () => {
  const c = cluster();
  const leader = elect(c, "n1");
  put(c, leader, "k", "v");
  const term = leader.raft!.term;
  leader.raft!.transferLeadership("n3");
  leader.process();
  c.settle();
  assert.equal(c.leader()?.id, "n3");
  assert.equal(c.node("n3").raft!.term, term + 1);
  assert.equal(leader.raft!.role, "follower");
  assert.equal(put(c, c.node("n3"), "k", "w").status, "ok");
});

Deno.test("transfer: a lagging target is caught up first", () => {
  const c = cluster();
  const leader = elect(c, "n1");
  c.net.isolate("n3", ["n1", "n2"]);
  for (let i = 0; i < 5; i++) put(c, leader, "k", `v${i}`);
  c.net.heal();
  assert.ok(c.node("n3").raft!.lastIndex < leader.raft!.lastIndex);
  leader.raft!.transferLeadership("n3");
  leader.process();
  c.settle();
  assert.equal(c.leader()?.id, "n3");
  assert.equal(c.node("n3").sm.get("k"), "v4");
});

Deno.test("transfer: proposals are refused while it is in progress, then it times out", () => {
  const c = cluster(["n1", "n2", "n3"], { raft: { electionTicks: 10 } });
  const leader = elect(c, "n1");
  c.net.isolate("n3", ["n1", "n2"]);
  put(c, leader, "k", "v");
  leader.raft!.transferLeadership("n3");
  assert.throws(
    () => leader.raft!.propose("x"),
    (e: unknown) => e instanceof RaftError && e.code === "TRANSFER_IN_PROGRESS",
  );
  for (let i = 0; i < 10; i++) leader.tick();
  assert.equal(leader.raft!.status().transferee, null, "abandoned after an election timeout");
  leader.raft!.propose("x");
});
