import assert from "node:assert/strict";
import type { Message, RaftOptions } from "../../../runtime/raft/mod.ts";
import { SimCluster } from "../../sim/cluster.ts";
import type { Op } from "../../sim/history.ts";
import type { SimNode } from "../../sim/sim-node.ts";
import { elect } from "./helpers.ts";

/**
 * Learners' appends paced (`learnerPaceTicks`): three voters n1..n3 and a learner l1 on a
 * reliable network, n1 leading, l1 replicating, and a whole pace to go.
 */
function pacedCluster(raft: Omit<RaftOptions, "id" | "random">) {
  const c = new SimCluster({ seed: 1, raft: { electionTicks: 10, heartbeatTicks: 1, ...raft } });
  c.addFounders(["n1", "n2", "n3"], ["l1"]);
  const leader = elect(c, "n1");
  // Two whole paces: l1 replicates, and the next pace is a whole pace away.
  c.tickAll(2 * (raft.learnerPaceTicks ?? 1));
  assert.equal(leader.raft!.status().progress?.l1.state, "replicate");
  /** Entries of each append to l1 delivered since the last call. */
  let toLearner: number[] = [];
  const settle = () => {
    c.settle((m: Message) => {
      if (m.type === "append" && m.to === "l1") toLearner.push(m.entries.length);
      return true;
    });
    const sent = toLearner;
    toLearner = [];
    return sent;
  };
  const put = (value: string): Op => {
    const op = c.history.invoke(0, "put", "k", value);
    leader.put(op);
    return op;
  };
  /** One tick of the leader only (the others' clocks stand still). */
  const tickLeader = () => {
    leader.tick();
    return settle();
  };
  return { c, leader, l1: c.node("l1") as SimNode, settle, put, tickLeader };
}

Deno.test("learner pace: proposals within one pace window reach a learner in one append; it converges", () => {
  const { c, leader, l1, settle, put, tickLeader } = pacedCluster({ learnerPaceTicks: 2 });
  const before = l1.sm.get("k");
  const ops: Op[] = [];
  for (let i = 0; i < 5; i++) {
    ops.push(put(`v${i}`));
    assert.deepEqual(settle(), [], `write ${i}: nothing to the learner before its pace`);
    // Voters are unaffected: each write commits and answers at once.
    assert.equal(ops[i].status, "ok", `write ${i} committed without waiting for the learner`);
  }
  assert.equal(l1.sm.get("k"), before);
  assert.deepEqual(tickLeader(), [], "one tick: the pace (2) is not up yet");
  assert.deepEqual(tickLeader(), [5], "at the pace: the five entries in one append");
  assert.equal(l1.sm.get("k"), "v4");
  for (let i = 5; i < 12; i++) {
    put(`v${i}`);
    settle();
  }
  c.tickAll(4);
  assert.equal(l1.raft!.commitIndex, leader.raft!.commitIndex);
  assert.equal(l1.sm.get("k"), "v11", "the learner converges");
});

Deno.test("learner pace: half a message waiting goes at once", () => {
  const { settle, put } = pacedCluster({ learnerPaceTicks: 10, maxEntriesPerMessage: 4 });
  put("a");
  assert.deepEqual(settle(), []);
  put("b");
  assert.deepEqual(settle(), [2], "two entries (half of 4) waiting: sent without the pace");
});

Deno.test("learner pace: a learner's linearizable read does not wait for the pace", () => {
  const { c, l1, settle, put } = pacedCluster({ learnerPaceTicks: 10 });
  put("x");
  settle();
  const op = c.history.invoke(1, "get", "k");
  l1.get(op, "read-1");
  settle();
  assert.equal(op.status, "ok", "the read point's entries went to the learner at once");
  assert.equal(op.value, "x");
});

Deno.test("learner pace: a learner promoted to voter gets what it misses at once", () => {
  const { leader, l1, settle, put } = pacedCluster({ learnerPaceTicks: 10 });
  put("p");
  settle();
  assert.notEqual(l1.sm.get("k"), "p");
  leader.raft!.proposeConfChange({ type: "addVoter", node: "l1" });
  leader.process();
  settle();
  assert.deepEqual(leader.raft!.conf.voters, ["l1", "n1", "n2", "n3"]);
  assert.equal(l1.raft!.commitIndex, leader.raft!.commitIndex, "no tick needed");
  assert.equal(l1.sm.get("k"), "p");
});

Deno.test("learner pace: a committed configuration change reaches a paced learner at once", () => {
  const { leader, l1, settle } = pacedCluster({ learnerPaceTicks: 10 });
  leader.raft!.proposeConfChange({ type: "removeNode", node: "n3" });
  leader.process();
  settle();
  assert.deepEqual(leader.raft!.conf.voters, ["n1", "n2"]);
  assert.deepEqual(
    l1.raft!.conf.voters,
    ["n1", "n2"],
    "the learner knows the roles without a tick",
  );
  assert.equal(l1.raft!.commitIndex, leader.raft!.commitIndex);
});

Deno.test("learner pace: a negative or fractional pace is refused, naming the value", () => {
  for (const bad of [-1, 0.5]) {
    assert.throws(
      () => new SimCluster({ seed: 1, raft: { learnerPaceTicks: bad } }).addFounders(["n1"]),
      (e: unknown) => e instanceof RangeError && e.message.includes(`(${bad})`),
    );
  }
});
