import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import { aid } from "../../../runtime/acl/mod.ts";
import {
  AGENT_LOG_CONTENT_CHARS,
  type AgentLogEntry,
  AgentLogs,
  messageRecord,
} from "../../../runtime/agents/mod.ts";

Deno.test("agent log: bounded per agent, oldest out first, seq keeps counting", () => {
  let t = 0;
  const logs = new AgentLogs(() => t++, 3);
  for (let i = 1; i <= 5; i++) logs.append("a", { kind: "log", level: "info", text: `l${i}` });
  logs.append("b", { kind: "log", level: "warn", text: "other" });
  const a = logs.read("a", 100);
  assert.deepEqual(a.map((e) => e.seq), [3, 4, 5]);
  assert.deepEqual(a.map((e) => e.kind === "log" && e.text), ["l3", "l4", "l5"]);
  assert.equal(a[0].at, new Date(2).toISOString());
  assert.deepEqual(logs.read("a", 1).map((e) => e.seq), [5]);
  assert.deepEqual(logs.read("b", 10).map((e) => e.seq), [1]);
  assert.deepEqual(logs.read("nobody", 10), []);
});

Deno.test("agent log: the ring reads as the last perAgent appends, oldest first", () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 6 }),
    fc.integer({ min: 0, max: 20 }),
    fc.integer({ min: 0, max: 8 }),
    (perAgent, appends, limit) => {
      const logs = new AgentLogs(() => 0, perAgent);
      for (let i = 1; i <= appends; i++) {
        logs.append("a", { kind: "log", level: "info", text: `l${i}` });
      }
      const want = Array.from({ length: appends }, (_, i) => i + 1)
        .slice(-perAgent).slice(-limit || appends + 1);
      assert.deepEqual(logs.read("a", limit).map((e) => e.seq), limit === 0 ? [] : want);
    },
  ));
  assert.throws(() => new AgentLogs(Date.now, 0), /perAgent must be a positive integer, got 0/);
});

Deno.test("agent log: followers get each new entry until they leave; drop forgets", () => {
  const logs = new AgentLogs();
  const got: AgentLogEntry[] = [];
  const leave = logs.follow("a", (e) => got.push(e));
  logs.append("a", { kind: "log", level: "info", text: "x" });
  logs.append("b", { kind: "log", level: "info", text: "not a's" });
  leave();
  logs.append("a", { kind: "log", level: "info", text: "y" });
  assert.deepEqual(got.map((e) => e.kind === "log" && e.text), ["x"]);
  logs.drop("a");
  assert.deepEqual(logs.read("a", 10), []);
});

Deno.test("agent log: a message record names act, parties, conversation; content is cut", () => {
  const r = messageRecord("received", {
    performative: "request",
    sender: aid("alice@p"),
    receivers: [aid("echo@p")],
    conversation_id: "c1",
    content: "x".repeat(AGENT_LOG_CONTENT_CHARS + 10),
  }, "m1");
  assert.equal(r.kind, "received");
  assert.equal(r.from, "alice@p");
  assert.deepEqual(r.to, ["echo@p"]);
  assert.equal(r.conversation_id, "c1");
  assert.equal(r.message_id, "m1");
  assert.equal(r.content?.length, AGENT_LOG_CONTENT_CHARS);
  const j = messageRecord("sent", {
    performative: "inform",
    receivers: [aid("a@p")],
    content: { n: 1 },
  }, "m2");
  assert.equal(j.kind === "sent" && j.content, '{"n":1}');
});

Deno.test("agent log: a follower leaves no book behind; a dropped log goes with its last follower", () => {
  const logs = new AgentLogs(() => 0, 3);
  const seen: number[] = [];
  // Following an agent that has logged nothing, then leaving, keeps nothing.
  const leave = logs.follow("quiet", (e) => seen.push(e.seq));
  assert.equal(logs.books, 1);
  leave();
  assert.equal(logs.books, 0);
  // A log with entries stays when its follower leaves, and still takes followers.
  logs.append("a", { kind: "log", level: "info", text: "one" });
  const leaveA = logs.follow("a", (e) => seen.push(e.seq));
  logs.append("a", { kind: "log", level: "info", text: "two" });
  leaveA();
  leaveA();
  logs.append("a", { kind: "log", level: "info", text: "three" });
  assert.deepEqual(seen, [2]);
  assert.deepEqual(logs.read("a", 10).map((e) => e.seq), [1, 2, 3]);
  const again: number[] = [];
  const leaveAgain = logs.follow("a", (e) => again.push(e.seq));
  // Dropped while followed: the book stays for the follower, then goes when it leaves.
  logs.drop("a");
  assert.equal(logs.books, 1);
  assert.deepEqual(logs.read("a", 10), []);
  leaveAgain();
  assert.equal(logs.books, 0);
});
