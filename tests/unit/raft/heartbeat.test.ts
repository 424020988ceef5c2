import assert from "node:assert/strict";
import { confOf, type Message, RaftNode } from "../../../runtime/raft/mod.ts";

/** A sole voter `a` leading `learners`; returns it with its first ready handled. */
function leaderWith(learners: string[], electionTicks = 10): RaftNode {
  const node = new RaftNode({ id: "a", electionTicks, heartbeatTicks: 1 }, {
    hardState: { term: 0, vote: null, commit: 0 },
    snapshot: {
      meta: { index: 0, term: 0, conf: confOf(["a"], learners) },
      data: new Uint8Array(),
    },
    entries: [],
  });
  node.campaign();
  while (node.hasReady()) node.advance(node.ready());
  assert.equal(node.role, "leader");
  return node;
}

/** Heartbeats per target over `ticks` ticks. */
function heartbeats(node: RaftNode, ticks: number): Map<string, number> {
  const count = new Map<string, number>();
  for (let i = 0; i < ticks; i++) {
    node.tick();
    while (node.hasReady()) {
      const rd = node.ready();
      for (const m of rd.messages as Message[]) {
        if (m.type === "heartbeat") count.set(m.to, (count.get(m.to) ?? 0) + 1);
      }
      node.advance(rd);
    }
  }
  return count;
}

Deno.test("heartbeats: learners get them less often as they grow in number, voters every interval", () => {
  const few = heartbeats(leaderWith(["l1", "l2", "l3"]), 40);
  assert.equal(few.get("l1"), 40, "up to 4 learners: every heartbeat interval");
  const many = heartbeats(leaderWith(Array.from({ length: 12 }, (_, i) => `l${i}`)), 40);
  assert.equal(many.get("l0"), Math.floor(40 / 3), "12 learners: every 3 intervals");
  const lots = heartbeats(leaderWith(Array.from({ length: 40 }, (_, i) => `l${i}`)), 40);
  assert.equal(lots.get("l7"), 40 / 5, "never rarer than half an election timeout");
});

Deno.test("heartbeats: voters get one every interval whatever the learners", () => {
  const node = new RaftNode({ id: "a", electionTicks: 10, heartbeatTicks: 1 }, {
    hardState: { term: 0, vote: null, commit: 0 },
    snapshot: {
      meta: { index: 0, term: 0, conf: confOf(["a", "b", "c"], ["l1", "l2", "l3", "l4", "l5"]) },
      data: new Uint8Array(),
    },
    entries: [],
  });
  node.campaign();
  for (const from of ["b", "c"]) {
    node.step({ type: "preVoteResp", term: node.term + 1, from, to: "a", granted: true });
  }
  for (const from of ["b", "c"]) {
    node.step({ type: "voteResp", term: node.term, from, to: "a", granted: true });
  }
  while (node.hasReady()) node.advance(node.ready());
  assert.equal(node.role, "leader");
  const hb = heartbeats(node, 8); // check-quorum steps down after 10 silent ticks
  assert.equal(hb.get("b"), 8);
  assert.equal(hb.get("c"), 8);
  assert.equal(hb.get("l1"), 4, "5 learners: every 2 intervals");
});

/** The appends `node` sends to `to` until it has nothing ready: the entry count of each. */
function appendsTo(node: RaftNode, to: string): number[] {
  const sent: number[] = [];
  while (node.hasReady()) {
    const rd = node.ready();
    for (const m of rd.messages as Message[]) {
      if (m.type === "append" && m.to === to) sent.push(m.entries.length);
    }
    node.advance(rd);
  }
  return sent;
}

Deno.test("a replicating learner with an append in flight gets no empty append per proposal; a heartbeat answer still probes it", () => {
  const a = leaderWith(["l1"]);
  const ack = (index: number) =>
    a.step({
      type: "appendResp",
      from: "l1",
      to: "a",
      term: a.term,
      index,
      reject: false,
      rejectHint: 0,
      logTerm: 0,
    });
  ack(a.commitIndex); // the learner matches: it replicates from now on
  appendsTo(a, "l1");
  a.propose("x");
  assert.deepEqual(appendsTo(a, "l1"), [1], "the committed entry, nothing before it");
  a.propose("y"); // the append with x is still in flight
  assert.deepEqual(appendsTo(a, "l1"), [1], "only y once committed, no empty probe");
  // The append with x or y may be lost: the learner's heartbeat answer brings a probe.
  a.step({ type: "heartbeatResp", from: "l1", to: "a", term: a.term, readSeq: 0 });
  assert.deepEqual(appendsTo(a, "l1"), [0], "an empty probe after a heartbeat answer");
});
