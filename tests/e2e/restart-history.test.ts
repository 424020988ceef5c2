/**
 * Conversations outlive a restart: a real node process answers a conversation, takes a
 * task, is stopped and started again from its data directory, and still shows the
 * messages (paged with next_cursor), the conversation and the task.
 */
import assert from "node:assert/strict";
import { callJson } from "../support/http.ts";
import { spawnNode } from "../support/node-process.ts";

const call = callJson;

Deno.test("message history, conversations and tasks survive a node restart", async () => {
  const first = await spawnNode(["--name", "keeper"], {}, { sampleAgents: true });
  const dataDir = first.dataDir;
  let taskId: string;
  try {
    for (const n of [1, 2]) {
      const r = await call(first.url, "POST", "/api/v1/messages/send-and-wait?timeout_ms=10000", {
        performative: "request",
        receiver: "echo",
        content: `hello ${n}`,
        protocol: "fipa-request",
        conversation_id: `conv-restart-${n}`,
        reply_with: `r${n}`,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const t = await call(first.url, "POST", "/api/v1/tasks", {
      name: "kept",
      participants: ["echo"],
    });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    taskId = t.body.task_id;
  } finally {
    await first.stop("SIGTERM", { keepData: true });
  }

  const second = await spawnNode(["--name", "keeper"], {}, { dataDir });
  try {
    const page1 = await call(
      second.url,
      "GET",
      "/api/v1/messages?conversation_id=conv-restart-1&limit=1",
    );
    assert.equal(page1.status, 200);
    assert.equal(page1.body.total, 2, JSON.stringify(page1.body));
    assert.equal(page1.body.messages[0].performative, "request");
    assert.equal(page1.body.messages[0].content, "hello 1");
    assert.ok(page1.body.next_cursor, "a second page");
    const page2 = await call(
      second.url,
      "GET",
      `/api/v1/messages?conversation_id=conv-restart-1&limit=1&cursor=${page1.body.next_cursor}`,
    );
    assert.equal(page2.body.messages[0].performative, "inform");
    assert.equal(page2.body.next_cursor, undefined);

    const conv = await call(second.url, "GET", "/api/v1/conversations/conv-restart-2");
    assert.equal(conv.status, 200, JSON.stringify(conv.body));
    assert.equal(conv.body.protocol, "fipa-request");

    const task = await call(second.url, "GET", `/api/v1/tasks/${taskId}`);
    assert.equal(task.status, 200, JSON.stringify(task.body));
    assert.equal(task.body.name, "kept");
    assert.equal(task.body.status, "created");

    // New messages continue the history after the kept ones.
    const r = await call(second.url, "POST", "/api/v1/messages/send-and-wait?timeout_ms=10000", {
      performative: "request",
      receiver: "echo",
      content: "after",
      protocol: "fipa-request",
      conversation_id: "conv-restart-1",
      reply_with: "r3",
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const all = await call(second.url, "GET", "/api/v1/messages?conversation_id=conv-restart-1");
    const contents = all.body.messages.map((m: { content: unknown }) => m.content);
    assert.equal(contents[0], "hello 1");
    assert.equal(contents[2], "after");
    assert.equal(all.body.total, 4);
  } finally {
    await second.stop();
  }
});
