import assert from "node:assert/strict";
import { RaftError } from "../../../runtime/raft/mod.ts";
import { cluster, elect, put } from "./helpers.ts";

function refuses(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => e instanceof RaftError && e.code === code);
}

Deno.test("conf change: a learner catches up, does not vote, and is promoted to voter", () => {
  const c = cluster(["n1", "n2", "n3"], { compactEvery: 5 });
  const leader = elect(c, "n1");
  for (let i = 0; i < 8; i++) put(c, leader, "k", `v${i}`);
  const n4 = c.addJoiner("n4");
  leader.raft!.proposeConfChange({ type: "addLearner", node: "n4" });
  leader.process();
  for (let i = 0; i < 3; i++) {
    leader.tick();
    c.settle();
  }
  assert.deepEqual(leader.raft!.conf, { voters: ["n1", "n2", "n3"], learners: ["n4"] });
  assert.equal(n4.sm.get("k"), "v7", "caught up (by snapshot)");
  assert.equal(n4.raft!.conf.learners.includes("n4"), true);
  // A learner never campaigns.
  c.net.isolate("n4", ["n1", "n2", "n3"]);
  for (let i = 0; i < 50; i++) n4.tick();
  assert.equal(n4.raft!.role, "follower");
  assert.equal(n4.raft!.term, leader.raft!.term);
  c.net.heal();
  leader.raft!.proposeConfChange({ type: "addVoter", node: "n4" });
  leader.process();
  c.settle();
  assert.deepEqual(leader.raft!.conf.voters, ["n1", "n2", "n3", "n4"]);
  // Four voters: a majority is three. With n2 and n3 down, nothing commits.
  c.crash("n2");
  c.crash("n3");
  const op = c.history.invoke(0, "put", "k", "stuck");
  leader.put(op);
  c.settle();
  assert.equal(op.status, "pending");
  c.restart("n2");
  leader.tick();
  c.settle();
  assert.equal(op.status, "ok");
});

Deno.test("conf change: one change at a time", () => {
  const c = cluster();
  const leader = elect(c, "n1");
  c.addJoiner("n4");
  c.addJoiner("n5");
  leader.raft!.proposeConfChange({ type: "addLearner", node: "n4" });
  refuses(
    () => leader.raft!.proposeConfChange({ type: "addLearner", node: "n5" }),
    "CONF_CHANGE_PENDING",
  );
  leader.process();
  c.settle();
  leader.raft!.proposeConfChange({ type: "addLearner", node: "n5" });
  leader.process();
  c.settle();
  assert.deepEqual(leader.raft!.conf.learners, ["n4", "n5"]);
});

Deno.test("conf change: a new leader waits for an entry of its own term to commit", () => {
  const c = cluster();
  const leader = c.node("n1");
  leader.raft!.campaign();
  leader.process();
  // Deliver only the votes: n1 leads, but its noop has not committed yet.
  c.settle((m) => m.type !== "append");
  assert.equal(leader.raft!.role, "leader");
  refuses(
    () => leader.raft!.proposeConfChange({ type: "removeNode", node: "n3" }),
    "CONF_CHANGE_PENDING",
  );
  leader.tick();
  c.settle();
  leader.raft!.proposeConfChange({ type: "removeNode", node: "n3" });
});

Deno.test("conf change: invalid changes are refused", () => {
  const c = cluster(["n1"]);
  const leader = elect(c, "n1");
  refuses(
    () => leader.raft!.proposeConfChange({ type: "addVoter", node: "n1" }),
    "INVALID_CONF_CHANGE",
  );
  refuses(
    () => leader.raft!.proposeConfChange({ type: "removeNode", node: "n9" }),
    "INVALID_CONF_CHANGE",
  );
  refuses(
    () => leader.raft!.proposeConfChange({ type: "removeNode", node: "n1" }),
    "INVALID_CONF_CHANGE",
  );
  refuses(() => c.node("n1").raft!.transferLeadership("n9"), "INVALID_ARGUMENT");
});

Deno.test("conf change: a removed leader steps down once committed and hands over", () => {
  const c = cluster();
  const leader = elect(c, "n1");
  put(c, leader, "k", "v");
  leader.raft!.proposeConfChange({ type: "removeNode", node: "n1" });
  leader.process();
  c.settle();
  assert.equal(leader.raft!.role, "follower");
  const next = c.leader();
  assert.ok(next && next.id !== "n1", "a remaining voter took over without waiting a timeout");
  assert.deepEqual(next.raft!.conf.voters, ["n2", "n3"]);
  assert.equal(put(c, next, "k", "w").status, "ok");
  // The removed node never campaigns again.
  for (let i = 0; i < 50; i++) leader.tick();
  assert.equal(leader.raft!.role, "follower");
});

Deno.test("conf change: a removed node that missed its removal does not disrupt", () => {
  const c = cluster();
  const leader = elect(c, "n1");
  c.net.isolate("n3", ["n1", "n2"]);
  leader.raft!.proposeConfChange({ type: "removeNode", node: "n3" });
  leader.process();
  c.settle();
  assert.deepEqual(leader.raft!.conf.voters, ["n1", "n2"]);
  c.net.heal();
  const term = leader.raft!.term;
  c.tickAll(60);
  assert.equal(c.leader()?.id, "n1");
  assert.equal(leader.raft!.term, term);
});
