/**
 * The A2A gateway, driven by `@a2a-js/sdk`'s own client against a real node process; and
 * the other direction: a FIPA send-and-wait to an A2A server built with the same SDK.
 */
import assert from "node:assert/strict";
import { type Message, SendMessageRequest, type Task, TaskState } from "@a2a-js/sdk";
import { ClientFactory } from "@a2a-js/sdk/client";
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  InMemoryTaskStore,
} from "@a2a-js/sdk/server";
import { a2aJsonRpc, agentCard } from "../../runtime/bridges/a2a/mod.ts";
import { AgentCard } from "@a2a-js/sdk";
import { spawnNode } from "../support/node-process.ts";

const DIST = new URL("../../agents/dist/", import.meta.url);

async function deploy(base: string, file: string, config: Record<string, unknown>) {
  const form = new FormData();
  form.append("wasm", new Blob([await Deno.readFile(new URL(file, DIST))]), file);
  form.append("config", JSON.stringify(config));
  const res = await fetch(`${base}/api/v1/agents`, { method: "POST", body: form });
  const text = await res.text();
  assert.equal(res.status, 201, text);
}

/** A user message in the A2A 1.0 JSON form, as the SDK types it. */
function ask(
  part: Record<string, unknown>,
  metadata?: Record<string, unknown>,
): SendMessageRequest {
  return SendMessageRequest.fromJSON({
    message: {
      messageId: crypto.randomUUID(),
      role: "ROLE_USER",
      parts: [part],
      ...(metadata ? { metadata } : {}),
    },
  });
}

function isTask(r: Message | Task): r is Task {
  return "status" in r;
}

const SKILLS = {
  echo: [{ id: "echo", name: "Echo", description: "Says back what it is told" }],
  responder: [{ id: "compute", name: "Compute", examples: ['{"action":"add","args":[1,2]}'] }],
};

Deno.test("A2A gateway: cards, a completed echo task, agree then inform streamed, refusals", async () => {
  const node = await spawnNode(["--name", "a2a-a"]);
  try {
    await deploy(node.url, "tiny.wasm", {
      name: "echo",
      manifest: { a2a: { skills: SKILLS.echo } },
    });
    await deploy(node.url, "responder.wasm", {
      name: "responder",
      manifest: { a2a: { skills: SKILLS.responder } },
    });
    await deploy(node.url, "tiny.wasm", { name: "plain" });
    const factory = new ClientFactory();

    // The platform's card lists the opted-in agents' skills, and only theirs.
    const platform = await (await fetch(`${node.url}/.well-known/agent-card.json`)).json();
    assert.equal(platform.name, "a2a-a");
    assert.deepEqual(platform.skills.map((s: { id: string }) => s.id), [
      "echo/echo",
      "responder/compute",
    ]);
    assert.equal(platform.supportedInterfaces[0].url, `${node.url}/a2a`);
    assert.equal(platform.capabilities.streaming, true);

    // An opted-in echo: the SDK client reads its card and gets a completed task back.
    const echo = await factory.createFromUrl(`${node.url}/a2a/echo/`);
    const card = await echo.getAgentCard();
    assert.equal(card.name, "echo");
    assert.deepEqual(card.skills.map((s) => s.id), ["echo"]);
    const done = await echo.sendMessage(ask({ text: "hello over a2a" }));
    assert.ok(isTask(done), JSON.stringify(done));
    assert.equal(done.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(done.artifacts.length, 1);
    assert.deepEqual(done.artifacts[0].parts[0].content, {
      $case: "text",
      value: "hello over a2a",
    });
    // tasks/get maps to the same task; the conversation has the task's id.
    const again = await echo.getTask({ tenant: "", id: done.id, historyLength: undefined });
    assert.equal(again.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(again.metadata?.fipa?.conversation_id, done.id);
    // (The agents' trackers see each message before it is delivered: no race with the reply.)
    const conv = await (await fetch(`${node.url}/api/v1/conversations/${done.id}`)).json();
    assert.equal(conv.protocol, "fipa-request");
    assert.equal(conv.finished, true);
    assert.deepEqual(conv.trail.map((m: { performative: string }) => m.performative), [
      "request",
      "inform",
    ]);
    // Streaming a request the responder agrees to, then informs: working, then completed.
    const responder = await factory.createFromUrl(`${node.url}/a2a/responder/`);
    const states: string[] = [];
    let artifact: unknown;
    for await (
      const ev of responder.sendMessageStream(
        ask({ data: { action: "add", args: [1, 2], notify: true } }),
      )
    ) {
      const p = ev.payload;
      if (p?.$case === "task") states.push(TaskState[p.value.status!.state]);
      if (p?.$case === "statusUpdate") states.push(TaskState[p.value.status!.state]);
      if (p?.$case === "artifactUpdate") artifact = p.value.artifact?.parts[0].content;
    }
    assert.deepEqual(states, [
      "TASK_STATE_SUBMITTED",
      "TASK_STATE_WORKING",
      "TASK_STATE_COMPLETED",
    ]);
    assert.deepEqual(artifact, { $case: "data", value: { result: 3 } });
    // refuse → rejected (an action the responder does not know).
    const refused = await responder.sendMessage(ask({ data: { action: "fly" } }));
    assert.ok(isTask(refused));
    assert.equal(refused.status?.state, TaskState.TASK_STATE_REJECTED);
    // failure → failed.
    const failed = await responder.sendMessage(ask({ data: { action: "fail" } }));
    assert.ok(isTask(failed));
    assert.equal(failed.status?.state, TaskState.TASK_STATE_FAILED);
    // The platform endpoint dispatches by metadata.skill.
    const viaPlatform = await factory.createFromUrl(node.url);
    const p2 = await viaPlatform.sendMessage(ask({ text: "via platform" }, { skill: "echo/echo" }));
    assert.ok(isTask(p2));
    assert.deepEqual(p2.artifacts[0].parts[0].content, { $case: "text", value: "via platform" });
    await assert.rejects(
      viaPlatform.sendMessage(ask({ text: "x" }, { skill: "plain/echo" })),
      /Skill 'plain\/echo' is not offered; offered: echo\/echo, responder\/compute/,
    );

    // An agent that did not opt in: a clear error, no card.
    const plainCard = await fetch(`${node.url}/a2a/plain/.well-known/agent-card.json`);
    assert.equal(plainCard.status, 404);
    const err = (await plainCard.json()).error;
    assert.equal(err.code, "NOT_FOUND");
    assert.match(err.message, /Agent 'plain' has not opted in to A2A/);
    await assert.rejects(factory.createFromUrl(`${node.url}/a2a/plain/`), /404/);
  } finally {
    await node.stop();
  }
});

Deno.test("A2A outbound: a FIPA send-and-wait to an A2A agent (an @a2a-js/sdk server) gets its reply", async () => {
  // An A2A server built with the SDK: it answers with the text in upper case, as an artifact.
  const executor: AgentExecutor = {
    execute(ctx, bus) {
      const part = ctx.userMessage.parts[0]?.content;
      const text = part?.$case === "text" ? part.value : JSON.stringify(part?.value);
      const base = { taskId: ctx.taskId, contextId: ctx.contextId, metadata: undefined };
      bus.publish(AgentEvent.task({
        id: ctx.taskId,
        contextId: ctx.contextId,
        status: { state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp: undefined },
        artifacts: [],
        history: [ctx.userMessage],
        metadata: undefined,
      }));
      bus.publish(AgentEvent.artifactUpdate({
        ...base,
        artifact: {
          artifactId: "a1",
          name: "upper",
          description: "",
          parts: [{
            content: { $case: "text", value: text.toUpperCase() },
            metadata: undefined,
            filename: "",
            mediaType: "text/plain",
          }],
          metadata: undefined,
          extensions: [],
        },
        append: false,
        lastChunk: true,
      }));
      bus.publish(AgentEvent.statusUpdate({
        ...base,
        status: { state: TaskState.TASK_STATE_COMPLETED, message: undefined, timestamp: undefined },
      }));
      bus.finished();
      return Promise.resolve();
    },
    cancelTask: () => Promise.resolve(),
  };
  const remote: { handler?: DefaultRequestHandler } = {};
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/.well-known/agent-card.json") {
      return Response.json(AgentCard.toJSON(await remote.handler!.getAgentCard()));
    }
    return await a2aJsonRpc(remote.handler!, await req.json(), req.headers);
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const card = agentCard(
    { baseUrl: base, platform: "remote", secured: false },
    {
      name: "upper",
      skills: [{
        id: "upper",
        name: "Upper",
        description: "",
        tags: [],
        examples: [],
        performative: "request",
      }],
    },
  );
  card.supportedInterfaces[0].url = base;
  remote.handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);

  const node = await spawnNode(["--name", "a2a-b"]);
  try {
    const res = await fetch(`${node.url}/api/v1/messages/send-and-wait?timeout_ms=20000`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        performative: "request",
        receiver: [{ name: "upper@remote", addresses: [`a2a+${base}`] }],
        content: "make me loud",
        protocol: "fipa-request",
      }),
    });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual(body.receivers, [{
      receiver: "upper@remote",
      status: "forwarded",
      via: "a2a",
    }]);
    assert.equal(body.reply.performative, "inform");
    assert.equal(body.reply.content, "MAKE ME LOUD");
    assert.equal(body.reply.sender.name, "upper@remote");

    // An A2A address nobody answers at: the sender gets a FIPA failure from the AMS.
    const gone = await fetch(`${node.url}/api/v1/messages/send-and-wait?timeout_ms=20000`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        performative: "request",
        receiver: [{ name: "ghost@remote", addresses: ["a2a+http://127.0.0.1:9/"] }],
        content: "anyone?",
      }),
    });
    const failure = await gone.json();
    assert.equal(gone.status, 200, JSON.stringify(failure));
    assert.equal(failure.reply.performative, "failure");
    assert.equal(failure.reply.sender, "ams@a2a-b");
  } finally {
    await node.stop();
    await server.shutdown();
  }
});

Deno.test("A2A with tokens: public cards that ask for a bearer token, endpoints that need it", async () => {
  const token = "a2a-admin-token-0123456789";
  const node = await spawnNode(["--name", "a2a-c", "--admin-token", token], {}, {
    sampleAgents: true,
  });
  try {
    const card = await (await fetch(`${node.url}/a2a/echo/.well-known/agent-card.json`)).json();
    assert.deepEqual(Object.keys(card.securitySchemes), ["bearer"]);
    const echo = await new ClientFactory().createFromUrl(`${node.url}/a2a/echo/`);
    await assert.rejects(echo.sendMessage(ask({ text: "no token" })), /401/);
    const done = await echo.sendMessage(ask({ text: "with token" }), {
      serviceParameters: { Authorization: `Bearer ${token}` },
    });
    assert.ok(isTask(done));
    assert.equal(done.status?.state, TaskState.TASK_STATE_COMPLETED);
  } finally {
    await node.stop();
  }
});
