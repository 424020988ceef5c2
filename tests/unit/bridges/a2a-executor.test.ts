/**
 * The A2A executor against a real router: the FIPA agent is an endpoint registered on it
 * that answers (or not) through the router, like a deployed agent's replies; timers are
 * manual, so the timeout is driven deterministically.
 */
import assert from "node:assert/strict";
import { SendMessageRequest, TaskState } from "@a2a-js/sdk";
import {
  type AgentExecutionEvent,
  DefaultExecutionEventBus,
  RequestContext,
  ServerCallContext,
} from "@a2a-js/sdk/server";
import { type AclMessage, aid } from "../../../runtime/acl/mod.ts";
import { ManualTimers } from "../../../runtime/async/mod.ts";
import { FipaExecutor, stateName } from "../../../runtime/bridges/a2a/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { type Delivery, MessageRouter } from "../../../runtime/routing/mod.ts";
import { A2aSkillSchema } from "../../../runtime/sandbox/mod.ts";

function context(text: string, taskId = "task-1"): RequestContext {
  const request = SendMessageRequest.fromJSON({
    message: { messageId: "u1", role: "ROLE_USER", parts: [{ text }] },
  });
  return new RequestContext(request, taskId, "ctx-1", new ServerCallContext());
}

/** A router with agent `calc` that answers each request with `answers` (none: silence). */
function setup(answers: (m: AclMessage) => [string, unknown][]) {
  const router = new MessageRouter("p1");
  const got: AclMessage[] = [];
  router.register("calc", {
    deliver(d: Delivery) {
      got.push(d.message);
      for (const [performative, content] of answers(d.message)) {
        queueMicrotask(() =>
          void router.route({
            message_id: crypto.randomUUID(),
            message: {
              performative,
              sender: aid("calc@p1"),
              receivers: [d.message.sender!],
              conversation_id: d.message.conversation_id,
              in_reply_to: d.message.reply_with,
              content,
            } as AclMessage,
            accepted_at: new Date().toISOString(),
          })
        );
      }
    },
  });
  const timers = new ManualTimers();
  const executor = new FipaExecutor({
    router,
    node: "p1",
    log: silentLogger,
    timers,
    timeoutMs: 5000,
    target: () => ({
      agent: "calc",
      skill: A2aSkillSchema.parse({ id: "calc", name: "Calc" }),
    }),
  });
  const bus = new DefaultExecutionEventBus();
  const events: AgentExecutionEvent[] = [];
  bus.on("event", (e) => events.push(e));
  const states = () =>
    events.flatMap((e) =>
      e.kind === "task"
        ? [stateName(e.data.status!.state)]
        : e.kind === "statusUpdate"
        ? [stateName(e.data.status!.state)]
        : e.kind === "artifactUpdate"
        ? ["artifact"]
        : []
    );
  return { router, got, timers, executor, bus, events, states };
}

Deno.test("executor: request → agree → inform is submitted, working, artifact, completed", async () => {
  const s = setup(() => [["agree", "ok"], ["inform", { result: 3 }]]);
  await s.executor.execute(context("1+2"), s.bus);
  assert.deepEqual(s.states(), ["submitted", "working", "artifact", "completed"]);
  const [req] = s.got;
  assert.equal(req.performative, "request");
  assert.equal(req.protocol, "fipa-request");
  assert.equal(req.conversation_id, "task-1");
  assert.equal(req.content, "1+2");
  assert.match(req.sender!.name, /^a2a-task1@p1$/);
  const art = s.events.find((e) => e.kind === "artifactUpdate");
  assert.ok(art?.kind === "artifactUpdate");
  assert.deepEqual(art.data.artifact?.parts[0].content, { $case: "data", value: { result: 3 } });
  // The temporary name is gone once the task ended.
  assert.equal(s.router.hasLocal("a2a-task1"), false);
  assert.equal(s.executor.inFlight, 0);
});

Deno.test("executor: refuse → rejected, failure → failed, an unknown agent → failed", async () => {
  const r = setup(() => [["refuse", "no"]]);
  await r.executor.execute(context("x"), r.bus);
  assert.deepEqual(r.states(), ["submitted", "rejected"]);
  const f = setup(() => [["agree", ""], ["failure", "broke"]]);
  await f.executor.execute(context("x"), f.bus);
  assert.deepEqual(f.states(), ["submitted", "working", "failed"]);

  const gone = setup(() => []);
  const orphan = new FipaExecutor({
    ...gone.executor.deps,
    target: () => ({ agent: "ghost", skill: A2aSkillSchema.parse({ id: "g", name: "G" }) }),
  });
  await orphan.execute(context("x"), gone.bus);
  assert.deepEqual(gone.states(), ["submitted", "failed"]);
  const last = gone.events.at(-1);
  assert.ok(last?.kind === "statusUpdate");
  assert.match(
    JSON.stringify(last.data.status?.message?.parts[0].content),
    /AGENT_NOT_FOUND/,
  );
});

Deno.test("executor: silence fails the task at the timeout; cancel sends FIPA cancel", async () => {
  const t = setup(() => []);
  const running = t.executor.execute(context("x"), t.bus);
  await Promise.resolve();
  assert.equal(t.executor.inFlight, 1);
  t.timers.advance(5000);
  await running;
  assert.deepEqual(t.states(), ["submitted", "failed"]);

  const c = setup(() => [["agree", ""]]);
  const task = c.executor.execute(context("x", "task-2"), c.bus);
  await Promise.resolve();
  await c.executor.cancelTask("task-2", c.bus);
  await task;
  assert.deepEqual(c.got.map((m) => m.performative), ["request", "cancel"]);
  assert.equal(c.got[1].conversation_id, "task-2");
  assert.deepEqual(c.states().at(-1), "canceled");
  assert.equal(TaskState[TaskState.TASK_STATE_CANCELED], "TASK_STATE_CANCELED");
});
