// The dashboard's pure model (runtime/dashboard/assets/model.js), run in Deno.
import assert from "node:assert/strict";
import {
  addConversation,
  addMigration,
  agentCount,
  agentRows,
  deploymentRows,
  describeDirectoryChange,
  describeEvent,
  lineMatches,
  MAX_CONVERSATIONS,
  MAX_DEPLOYMENTS,
  memberRows,
  stateClass,
  timeOfDay,
} from "../../runtime/dashboard/assets/model.js";

const T = "2026-01-02T03:04:05.678Z";

Deno.test("message events read as sender → receivers, performative, conversation", () => {
  const l = describeEvent({
    type: "message.sent",
    timestamp: T,
    node: "a",
    from: "echo",
    to: ["x@p", "y@p"],
    performative: "inform",
    conversation_id: "c1",
  });
  assert.deepEqual(l, {
    kind: "message",
    type: "message.sent",
    time: "03:04:05.678",
    node: "a",
    text: "echo → x@p, y@p  inform  [c1]",
  });
});

Deno.test("migration, agent and cluster events read in a few words", () => {
  assert.equal(
    describeEvent({ type: "migration.started", agent_id: "c", from_node: "a", target_node: "b" })
      .text,
    "c  a → b",
  );
  assert.equal(describeEvent({ type: "migration.completed", agent_id: "c" }).text, "c");
  assert.equal(
    describeEvent({ type: "migration.failed", details: { agent: "c", reason: "refused" } }).text,
    "c  (refused)",
  );
  assert.equal(describeEvent({ type: "agent.deployed", agent_id: "e", version: "2" }).text, "e  2");
  const rec = { name: "e", node: "a", state: "running" };
  assert.equal(
    describeEvent({
      type: "cluster.agent.registered",
      details: { type: "agent.registered", agent: rec },
    })
      .text,
    "e on a (running)",
  );
  assert.equal(
    describeDirectoryChange({
      type: "agent.updated",
      before: rec,
      after: { ...rec, node: "b", state: "migrating" },
    }),
    "e  moved a → b  running → migrating",
  );
  assert.equal(
    describeDirectoryChange({ type: "member.added", member: { id: "n2", role: "learner" } }),
    "n2  learner",
  );
  assert.equal(describeEvent({ type: "system.alert", message: "disk" }).kind, "other");
});

Deno.test("conversations fold message events, newest first, capped", () => {
  let cs: Array<Record<string, unknown>> = [];
  cs = addConversation(cs, {
    type: "message.sent",
    conversation_id: "c1",
    from: "a",
    to: "b",
    performative: "request",
    timestamp: T,
  });
  cs = addConversation(cs, {
    type: "message.sent",
    conversation_id: "c2",
    from: "x",
    to: ["y"],
    performative: "cfp",
  });
  cs = addConversation(cs, {
    type: "message.sent",
    conversation_id: "c1",
    from: "b",
    to: "a",
    performative: "inform",
  });
  cs = addConversation(cs, { type: "agent.deployed", conversation_id: "c9" });
  cs = addConversation(cs, { type: "message.sent", from: "b", to: "a" });
  assert.deepEqual(cs.map((c) => c.id), ["c1", "c2"]);
  assert.equal(cs[0].messages, 2);
  assert.deepEqual(cs[0].participants, ["a", "b"]);
  assert.deepEqual(cs[0].performatives, ["request", "inform"]);
  assert.equal(cs[0].last, "inform");
  for (let i = 0; i < MAX_CONVERSATIONS + 10; i++) {
    cs = addConversation(cs, {
      type: "message.sent",
      conversation_id: `k${i}`,
      from: "a",
      to: "b",
    });
  }
  assert.equal(cs.length, MAX_CONVERSATIONS);
});

Deno.test("migrations keep one row per move with its latest status", () => {
  let ms: Array<Record<string, unknown>> = [];
  ms = addMigration(ms, {
    type: "migration.started",
    agent_id: "c",
    from_node: "a",
    target_node: "b",
    timestamp: T,
  });
  ms = addMigration(ms, { type: "migration.completed", agent_id: "c" });
  assert.equal(ms.length, 1);
  assert.deepEqual([ms[0].from, ms[0].to, ms[0].status, ms[0].done, ms[0].failed], [
    "a",
    "b",
    "completed",
    true,
    false,
  ]);
  ms = addMigration(ms, {
    type: "migration.started",
    agent_id: "c",
    from_node: "b",
    target_node: "a",
  });
  ms = addMigration(ms, { type: "migration.failed", agent_id: "c" });
  assert.equal(ms.length, 2);
  assert.deepEqual([ms[0].from, ms[0].failed], ["b", true]);
  assert.equal(addMigration(ms, { type: "agent.deployed" }), ms);
});

Deno.test("agent rows join the directory with this node's counters", () => {
  const rows = agentRows(
    {
      agents: [{ name: "e", node: "a", state: "running" }, {
        name: "f",
        node: "b",
        state: "hibernated",
      }],
    },
    {
      agents: [
        {
          name: "e",
          agent_id: "agent_1",
          status: "running",
          metrics: { messages_processed: 3, messages_failed: 1, mailbox_depth: 0 },
        },
        { name: "g", full_name: "g@p", agent_id: "agent_2", status: "failed", metrics: {} },
      ],
    },
    "a",
  );
  assert.deepEqual(rows.map((r) => [r.name, r.node, r.state, r.here, r.processed]), [
    ["e", "a", "running", true, 3],
    ["g@p", "a", "failed", true, 0],
    ["f", "b", "hibernated", false, undefined],
  ]);
  assert.deepEqual(agentRows(null, null, "a"), []);
});

Deno.test("the agent count is the lists' total, not the rows of their first page", () => {
  assert.deepEqual(agentCount({ total: 100_000 }, { total: 60_000 }, 1000), {
    total: 100_000,
    shown: 1000,
    partial: true,
  });
  assert.deepEqual(agentCount(null, { total: 60_000 }, 1000), {
    total: 60_000,
    shown: 1000,
    partial: true,
  });
  assert.deepEqual(agentCount({ total: 3 }, null, 3), { total: 3, shown: 3, partial: false });
  assert.deepEqual(agentCount(null, null, 0), { total: 0, shown: 0, partial: false });
});

Deno.test("member rows mark the leader and this node; helpers", () => {
  const rows = memberRows({
    self: { id: "b" },
    leader: "a",
    members: [
      { id: "b", role: "voter", match_index: null, addresses: ["/ip4/1"] },
      { id: "a", role: "voter", match_index: 7, addresses: [] },
    ],
  });
  assert.deepEqual(rows.map((r) => [r.id, r.leader, r.self, r.match_index, r.address]), [
    ["a", true, false, "7", ""],
    ["b", false, true, "", "/ip4/1"],
  ]);
  assert.deepEqual(memberRows(null), []);
  assert.equal(stateClass("failed"), "bad");
  assert.equal(stateClass("nonsense"), "idle");
  assert.equal(timeOfDay("garbage"), "");
  assert.ok(lineMatches({ type: "message.sent", node: "a", text: "Echo" }, " echo "));
  assert.ok(!lineMatches({ type: "message.sent", node: "a", text: "x" }, "agent"));
});

Deno.test("deployment rows: stage of a canary, traffic and each version's errors over handled", () => {
  const rows = deploymentRows({
    deployments: [
      {
        deployment_id: "d-2",
        agent_id: "echo",
        status: "in_progress",
        strategy: {
          type: "canary",
          stages: [{ percentage: 10, duration: "30s" }, { percentage: 100, duration: "0" }],
        },
        stage: 0,
        traffic: { "1.0.0": 90, "2.0.0": 10 },
        metrics: {
          "1.0.0": { handled: 90, errors: 0, success_rate: 1, p99_ms: 3 },
          "2.0.0": { handled: 8, errors: 1, success_rate: 0.875, p99_ms: 4 },
        },
      },
      {
        deployment_id: "d-1",
        agent_id: "echo",
        status: "rolled_back",
        strategy: { type: "blue_green" },
        stage: 1,
        traffic: { "1.0.0": 100 },
        reason: "error rate 1.000 passed error_threshold 0.05",
      },
    ],
  });
  assert.deepEqual(rows[0], {
    id: "d-2",
    agent: "echo",
    strategy: "canary",
    stage: "1/2 (10 %)",
    status: "in_progress",
    statusClass: "warn",
    traffic: "1.0.0 90 % · 2.0.0 10 %",
    errors: "1.0.0 0/90 (0 %) · 2.0.0 1/8 (12.5 %)",
    reason: "",
  });
  assert.deepEqual(
    [rows[1].stage, rows[1].statusClass, rows[1].errors, rows[1].reason],
    ["switched", "bad", "–", "error rate 1.000 passed error_threshold 0.05"],
  );
  assert.deepEqual(deploymentRows(null), []);
  assert.equal(
    deploymentRows({ deployments: Array.from({ length: 30 }, () => ({})) }).length,
    MAX_DEPLOYMENTS,
  );
});
