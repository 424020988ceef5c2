import assert from "node:assert/strict";
import {
  formatAgent,
  formatAgentList,
  formatApiError,
  formatCluster,
  formatDirectoryList,
  formatEvent,
  formatLifecycle,
  formatReply,
  formatRestart,
  formatSent,
  formatTable,
} from "../../../cli/mod.ts";

Deno.test("tables pad columns, right-align numbers, flatten newlines", () => {
  const t = formatTable([{ a: "x", n: 5 }, { a: "long\nname", n: 12345 }], [
    { header: "NAME", cell: (r) => r.a },
    { header: "N", cell: (r) => r.n, align: "right" },
  ]);
  assert.equal(
    t,
    ["NAME" + " ".repeat(11) + "N", "x" + " ".repeat(14) + "5", "long name  12345"].join("\n"),
  );
});

Deno.test("agent lists: this node's with counters, the cluster's with nodes", () => {
  const local = formatAgentList({
    agents: [{
      name: "echo",
      status: "running",
      version: "1.0.0",
      agent_id: "agent_1",
      metrics: { messages_processed: 3, messages_failed: 0, mailbox_depth: 1 },
    }],
    total: 2,
  });
  assert.equal(
    local,
    [
      "NAME  STATUS   VERSION  PROCESSED  FAILED  MAILBOX  AGENT ID",
      "echo  running  1.0.0            3       0        1  agent_1",
      "(1 of 2 shown)",
    ].join("\n"),
  );
  assert.equal(formatAgentList({ agents: [] }), "no agents on this node");
  const paged = formatAgentList({
    agents: [{ name: "a1", status: "hibernated", agent_id: "agent_2" }],
    total: 3,
    next_offset: 1,
    next_cursor: "a1",
  });
  assert.match(paged, /\(1 of 3 shown\)\n\(next page: --cursor a1\)$/);
  const all = formatDirectoryList({
    agents: [{
      name: "e",
      node: "n2",
      state: "hibernated",
      manifest: { version: "2" },
      updated_at: "T",
    }],
    total: 1,
  });
  assert.equal(all, "NAME  NODE  STATE       VERSION  UPDATED\ne     n2    hibernated  2        T");
  assert.equal(formatDirectoryList({}), "no agents in the cluster");
});

Deno.test("one agent as key/value lines, skipping what is missing", () => {
  const s = formatAgent({
    full_name: "echo@p",
    agent_id: "agent_1",
    status: "failed",
    metrics: { messages_processed: 1, average_latency_ms: 2.5 },
    resource_limits: { memory: 64 * 1024 * 1024 },
    restart: { type: "backoff", initial_ms: 100, max_ms: 1000, multiplier: 2 },
    failure: { reason: "trap", message: "unreachable" },
  });
  assert.equal(
    s,
    [
      "name          echo@p",
      "agent id      agent_1",
      "status        failed",
      "processed     1",
      "avg latency   2.5 ms",
      "memory limit  64 MiB",
      "restart       backoff 100 ms → 1000 ms ×2",
      "failure       trap: unreachable",
    ].join("\n"),
  );
  assert.equal(formatRestart({ type: "never" }), "never");
  assert.equal(formatRestart({ type: "fixed", delay_ms: 5 }), "fixed delay_ms=5");
  assert.equal(
    formatLifecycle("stopped", { name: "e", agent_id: "agent_1", status: "stopped" }),
    "stopped e (agent_1): stopped",
  );
});

Deno.test("cluster status: summary and members with the leader marked", () => {
  const s = formatCluster({
    self: { id: "n2", role: "follower" },
    leader: "n1",
    term: 3,
    commit_index: 9,
    applied_index: 9,
    members: [
      { id: "n1", role: "voter", match_index: 9, addresses: ["/ip4/10.0.0.1/tcp/9001/p2p/A"] },
      { id: "n2", role: "voter", match_index: null, addresses: [] },
    ],
  });
  assert.match(s, /^this node +n2 \(follower\)$/m);
  assert.match(s, /^leader +n1$/m);
  assert.match(s, /^n1 \* +voter +9 +\/ip4\/10\.0\.0\.1\/tcp\/9001\/p2p\/A$/m);
  assert.match(s, /^n2 +voter$/m);
});

Deno.test("send answers and replies", () => {
  assert.equal(
    formatSent({
      message_id: "m1",
      receivers: [{ receiver: "a", status: "delivered" }, {
        receiver: "b",
        status: "forwarded",
        via: "n2",
      }],
    }),
    "sent m1\n  → a: delivered\n  → b: forwarded via n2",
  );
  assert.equal(
    formatReply({
      elapsed_ms: 12.4,
      reply: { performative: "inform", sender: "echo@p", conversation_id: "c", content: { x: 1 } },
    }),
    'inform from echo@p in 12 ms\n  conversation_id: c\n{\n  "x": 1\n}',
  );
  assert.equal(
    formatReply({ reply: { sender: { name: "a@p" }, content: "hi" } }),
    "reply from a@p\nhi",
  );
});

Deno.test("events in one line each", () => {
  assert.equal(
    formatEvent({
      type: "message.sent",
      timestamp: "2026-01-01T10:00:00.123Z",
      node: "n1",
      from: "a",
      to: ["b@p"],
      performative: "inform",
    }),
    "10:00:00.123  n1  message.sent        a → b@p  inform",
  );
  assert.equal(
    formatEvent({ type: "agent.stopped", agent_id: "e" }),
    "--:--:--  -  agent.stopped       e",
  );
});

Deno.test("API errors print code, status, message, details and trace id", () => {
  assert.equal(
    formatApiError(400, {
      code: "INVALID_REQUEST",
      message: "Invalid config: config.name: bad",
      details: { path: ["config", "name"], issues: [{}] },
      trace_id: "t1",
    }),
    'error: INVALID_REQUEST (400): Invalid config: config.name: bad\n  path: ["config","name"]\n  trace id: t1',
  );
});
