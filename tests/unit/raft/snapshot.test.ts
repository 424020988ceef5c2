import assert from "node:assert/strict";
import { cluster, elect, put } from "./helpers.ts";

Deno.test("snapshot: a follower that slept through a compaction catches up by InstallSnapshot", () => {
  const c = cluster(["n1", "n2", "n3"], { compactEvery: 5 });
  const leader = elect(c, "n1");
  c.crash("n3");
  for (let i = 0; i < 20; i++) put(c, leader, `k${i % 3}`, `v${i}`);
  assert.ok(leader.raft!.snapshotIndex >= 15, `leader compacted to ${leader.raft!.snapshotIndex}`);
  assert.ok(leader.storage.entryCount < 5, "compacted entries left storage");
  c.restart("n3");
  let snapshots = 0;
  const count = () => {
    c.settle((m) => {
      if (m.type === "snapshot" && m.to === "n3") snapshots++;
      return true;
    });
  };
  for (let i = 0; i < 5; i++) {
    leader.tick();
    count();
  }
  const n3 = c.node("n3");
  assert.equal(snapshots, 1);
  assert.ok(n3.raft!.snapshotIndex > 0);
  assert.equal(n3.raft!.appliedIndex, leader.raft!.commitIndex);
  assert.equal(n3.sm.fingerprint(), leader.sm.fingerprint());
  // It keeps replicating normally afterwards.
  put(c, leader, "k0", "after");
  leader.tick();
  c.settle();
  assert.equal(n3.sm.get("k0"), "after");
});

Deno.test("snapshot: a lost snapshot is sent again after a timeout", () => {
  const c = cluster(["n1", "n2", "n3"], { compactEvery: 3, raft: { electionTicks: 10 } });
  const leader = elect(c, "n1");
  c.crash("n3");
  for (let i = 0; i < 8; i++) put(c, leader, "k", `v${i}`);
  c.restart("n3");
  let sent = 0;
  let dropFirst = true;
  for (let i = 0; i < 30 && c.node("n3").sm.get("k") !== "v7"; i++) {
    leader.tick();
    c.settle((m) => {
      if (m.type !== "snapshot") return true;
      sent++;
      const keep = !dropFirst;
      dropFirst = false;
      return keep;
    });
  }
  assert.equal(sent, 2, "one lost, one delivered");
  assert.equal(c.node("n3").sm.get("k"), "v7");
});

Deno.test("snapshot: a node restarts from its snapshot and the entries after it", () => {
  const c = cluster(["n1", "n2", "n3"], { compactEvery: 4 });
  const leader = elect(c, "n1");
  for (let i = 0; i < 10; i++) put(c, leader, "k", `v${i}`);
  leader.tick();
  c.settle();
  const before = c.node("n2").raft!.status();
  c.crash("n2");
  c.restart("n2");
  const n2 = c.node("n2");
  assert.equal(n2.raft!.term, before.term);
  assert.equal(n2.raft!.snapshotIndex, before.snapshotIndex);
  assert.equal(n2.raft!.lastIndex, before.lastIndex);
  assert.equal(n2.raft!.appliedIndex, before.commitIndex, "re-applied the committed tail");
  assert.equal(n2.sm.get("k"), "v9");
});
