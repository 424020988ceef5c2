import assert from "node:assert/strict";
import type { Message } from "../../../runtime/raft/mod.ts";
import { SimCluster } from "../../sim/cluster.ts";
import { cluster, elect, logTerms, put, stateWithLog } from "./helpers.ts";

Deno.test("replication: a divergent follower is repaired in one round trip (conflict hint)", () => {
  // Figure 7 of the Raft paper: the leader's log and follower (f)'s log.
  const voters = ["L", "F", "X"];
  const leaderTerms = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const c = new SimCluster({ seed: 4, raft: { maxEntriesPerMessage: 64 } });
  c.addNode("L", stateWithLog(voters, leaderTerms, 7));
  c.addNode("X", stateWithLog(voters, leaderTerms, 7));
  const f = c.addNode("F", stateWithLog(voters, [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], 3));
  const leader = c.node("L");
  leader.raft!.campaign();
  leader.process();
  let rejections = 0;
  c.settle((m) => {
    if (m.type === "appendResp" && m.from === "F" && m.reject) rejections++;
    return true;
  });
  assert.equal(leader.raft!.role, "leader");
  assert.deepEqual(logTerms(f), logTerms(leader));
  assert.deepEqual(logTerms(f), [...leaderTerms, leader.raft!.term]);
  assert.ok(rejections <= 1, `${rejections} rejections (without the hint: one per entry, 7)`);
});

Deno.test("replication: an earlier term's entry commits only with an entry of the current term", () => {
  const voters = ["L", "F1", "F2"];
  const c = new SimCluster({ seed: 5, raft: { maxEntriesPerMessage: 1 } });
  const withCommit = (terms: number[]) => {
    const s = stateWithLog(voters, terms, 1);
    s.hardState.commit = 1;
    return s;
  };
  const leader = c.addNode("L", withCommit([1, 1]));
  const f1 = c.addNode("F1", withCommit([1]));
  c.addNode("F2", withCommit([1]));
  leader.raft!.campaign();
  leader.process();
  // F1 may receive index 2 (term 1) but not the new leader's entry; F2 receives nothing.
  const keep = (m: Message) =>
    m.to !== "F2" && m.from !== "F2" || m.type === "preVote" || m.type === "preVoteResp" ||
    m.type === "vote" || m.type === "voteResp";
  c.settle((m) =>
    keep(m) &&
    !(m.type === "append" && m.to === "F1" && m.entries.some((e) => e.term === 2) &&
      f1.raft!.termAt(2) !== undefined)
  );
  assert.equal(leader.raft!.role, "leader");
  assert.equal(leader.raft!.term, 2);
  assert.equal(f1.raft!.termAt(2), 1, "index 2 is on a majority (L, F1)");
  assert.equal(leader.raft!.commitIndex, 1, "but it is from term 1: not committed");
  // Once the term-2 entry reaches F1, both commit.
  leader.tick();
  c.settle();
  assert.equal(leader.raft!.commitIndex, 3);
});

Deno.test("replication: at most maxInflight appends are unacknowledged per follower", () => {
  const c = cluster(["n1", "n2", "n3"], { raft: { maxInflight: 2, maxEntriesPerMessage: 1 } });
  const leader = elect(c, "n1");
  put(c, leader, "k", "warm-up"); // followers now in the pipelining state
  const sent: Message[] = [];
  const send = c.net.send.bind(c.net);
  c.net.send = (m, now) => {
    sent.push(m);
    send(m, now);
  };
  for (let i = 0; i < 6; i++) leader.put(c.history.invoke(0, "put", "k", `v${i}`));
  const toN2 = sent.filter((m) => m.type === "append" && m.to === "n2" && m.entries.length > 0);
  assert.equal(toN2.length, 2);
  c.settle();
  assert.equal(c.node("n2").raft!.lastIndex, leader.raft!.lastIndex, "the rest follows acks");
  leader.tick();
  c.settle();
  assert.equal(c.node("n2").sm.get("k"), "v5");
});

Deno.test("replication: appends lost on the way are resent after heartbeats", () => {
  const c = cluster();
  const leader = elect(c, "n1");
  const op = c.history.invoke(0, "put", "k", "v");
  leader.put(op);
  c.settle((m) => !(m.type === "append" && m.to === "n3"));
  assert.equal(op.status, "ok", "n1 and n2 suffice");
  assert.ok(c.node("n3").raft!.lastIndex < leader.raft!.lastIndex);
  c.tickAll(3);
  assert.equal(c.node("n3").raft!.lastIndex, leader.raft!.lastIndex);
  assert.equal(c.node("n3").sm.get("k"), "v");
});
