import assert from "node:assert/strict";
import { RaftError } from "../../../runtime/raft/mod.ts";
import { cluster, elect, put } from "./helpers.ts";

Deno.test("read index: the leader confirms a read after one heartbeat round", () => {
  const c = cluster();
  const leader = elect(c, "n1");
  put(c, leader, "k", "v1");
  const r = c.history.invoke(0, "get", "k");
  leader.get(r, "r1");
  assert.equal(r.status, "pending", "not before a majority answered");
  const types = new Set<string>();
  c.settle((m) => {
    types.add(m.type);
    return true;
  });
  assert.equal(r.status, "ok");
  assert.equal(r.value, "v1");
  assert.deepEqual([...types].sort(), ["heartbeat", "heartbeatResp"]);
});

Deno.test("read index: a leader cut off from the majority cannot confirm reads", () => {
  const c = cluster(["n1", "n2", "n3"], { raft: { checkQuorum: false } });
  const leader = elect(c, "n1");
  c.net.isolate("n1", ["n2", "n3"]);
  const read = c.history.invoke(0, "get", "k");
  leader.get(read, "r1");
  c.tickAll(30);
  assert.equal(read.status, "pending", "never confirmed");
  // Meanwhile the majority moved on.
  const other = c.leader();
  assert.ok(other && other.id !== "n1");
  assert.equal(put(c, other, "k", "new").status, "ok");
});

Deno.test("read index: a follower's read is forwarded and sees every acknowledged write", () => {
  const c = cluster();
  const leader = elect(c, "n1");
  put(c, leader, "k", "v1");
  // n3 has not heard that v1 committed, but its read waits for the leader's commit index.
  const w = c.history.invoke(0, "put", "k", "v2");
  leader.put(w);
  c.settle((m) => !(m.to === "n3" && m.type !== "readIndexResp"));
  assert.equal(w.status, "ok");
  const n3 = c.node("n3");
  assert.notEqual(n3.sm.get("k"), "v2");
  const r = c.history.invoke(1, "get", "k");
  n3.get(r, "r1");
  c.settle((m) => m.to !== "n3" || m.type === "readIndexResp" || m.type === "heartbeat");
  assert.equal(r.status, "pending", "confirmed but not applied yet");
  c.net.heal();
  leader.tick();
  c.settle();
  assert.equal(r.status, "ok");
  assert.equal(r.value, "v2");
});

Deno.test("read index: without a known leader a read is refused at once", () => {
  const c = cluster();
  assert.throws(
    () => c.node("n2").raft!.readIndex("r"),
    (e: unknown) => e instanceof RaftError && e.code === "NOT_LEADER",
  );
});

Deno.test("read index: a new leader holds reads until an entry of its term commits", () => {
  const c = cluster();
  const leader = c.node("n1");
  leader.raft!.campaign();
  leader.process();
  c.settle((m) => m.type !== "append" && m.type !== "appendResp");
  const r = c.history.invoke(0, "get", "k");
  leader.get(r, "r1");
  c.settle((m) => m.type !== "append" && m.type !== "appendResp");
  assert.equal(r.status, "pending", "heartbeats alone do not release it");
  leader.tick();
  c.settle();
  assert.equal(r.status, "ok");
});
