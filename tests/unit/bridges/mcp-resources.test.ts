import assert from "node:assert/strict";
import {
  agentUri,
  conversationUri,
  resourceChanges,
  toolError,
} from "../../../runtime/bridges/mcp/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";

const at = "2026-01-01T00:00:00Z";

Deno.test("resourceChanges: agent events change the agents and the agent, some the list", () => {
  assert.deepEqual(resourceChanges({ type: "agent.stopped", agent_id: "echo", timestamp: at }), {
    listChanged: false,
    updated: ["fipa://agents", "fipa://agents/echo"],
  });
  assert.equal(
    resourceChanges({ type: "agent.deployed", agent_id: "echo", timestamp: at }).listChanged,
    true,
  );
  assert.equal(
    resourceChanges({ type: "migration.arrived", agent_id: "echo", timestamp: at }).listChanged,
    true,
  );
  assert.equal(
    resourceChanges({ type: "agent.removed", agent_id: "e@p", timestamp: at }).updated[1],
    "fipa://agents/e",
  );
});

Deno.test("resourceChanges: message and conversation events change their conversation", () => {
  assert.deepEqual(
    resourceChanges({ type: "message.sent", conversation_id: "c 1", timestamp: at }),
    { listChanged: false, updated: ["fipa://conversations/c%201"] },
  );
  assert.deepEqual(resourceChanges({ type: "conversation.ended", timestamp: at }), {
    listChanged: false,
    updated: [],
  });
  assert.deepEqual(resourceChanges({ type: "task.created", timestamp: at }), {
    listChanged: false,
    updated: [],
  });
  assert.equal(agentUri("a/b"), "fipa://agents/a%2Fb");
  assert.equal(conversationUri("x"), "fipa://conversations/x");
});

Deno.test("toolError: the API's error shape; unknown errors show no internals", () => {
  const e = toolError(new ApiError("FORBIDDEN", "no", { tool: "t" }), "0".repeat(32));
  assert.equal(e.isError, true);
  assert.deepEqual(e.structuredContent, {
    error: { code: "FORBIDDEN", message: "no", details: { tool: "t" }, trace_id: "0".repeat(32) },
  });
  const hidden = toolError(new Error("secret path /etc"));
  assert.equal(
    (hidden.structuredContent as { error: { code: string } }).error.code,
    "INTERNAL_ERROR",
  );
  assert.doesNotMatch(JSON.stringify(hidden), /secret/);
});
