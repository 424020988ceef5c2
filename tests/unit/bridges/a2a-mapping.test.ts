import assert from "node:assert/strict";
import { type Message, Role, type Task, TaskState } from "@a2a-js/sdk";
import { type AclMessage, aid } from "../../../runtime/acl/mod.ts";
import { ServerCallContext } from "@a2a-js/sdk/server";
import {
  a2aAddress,
  a2aRequest,
  agentCard,
  BoundedTaskStore,
  contentToParts,
  fipaReply,
  partsToContent,
  platformCard,
  replyPerformative,
  requestedSkill,
  stateName,
  taskStep,
} from "../../../runtime/bridges/a2a/mod.ts";
import { A2aSkillSchema } from "../../../runtime/sandbox/mod.ts";

Deno.test("taskStep: the FIPA reply → A2A task state table", () => {
  const row = (p: string) => {
    const s = taskStep(p);
    return s && [stateName(s.state), s.final, s.artifact];
  };
  assert.deepEqual(row("agree"), ["working", false, false]);
  assert.deepEqual(row("inform"), ["completed", true, true]);
  assert.deepEqual(row("inform-ref"), ["completed", true, true]);
  assert.deepEqual(row("propose"), ["completed", true, true]);
  assert.deepEqual(row("failure"), ["failed", true, false]);
  assert.deepEqual(row("refuse"), ["rejected", true, false]);
  assert.deepEqual(row("not-understood"), ["rejected", true, false]);
  assert.equal(taskStep("subscribe"), undefined);
  assert.equal(taskStep("cancel"), undefined);
});

Deno.test("replyPerformative: the A2A task state → FIPA reply table", () => {
  assert.equal(replyPerformative(TaskState.TASK_STATE_COMPLETED), "inform");
  assert.equal(replyPerformative(TaskState.TASK_STATE_REJECTED), "refuse");
  assert.equal(replyPerformative(TaskState.TASK_STATE_WORKING), "agree");
  for (
    const s of [
      TaskState.TASK_STATE_FAILED,
      TaskState.TASK_STATE_CANCELED,
      TaskState.TASK_STATE_INPUT_REQUIRED,
      TaskState.TASK_STATE_AUTH_REQUIRED,
    ]
  ) assert.equal(replyPerformative(s), "failure", stateName(s));
  assert.equal(stateName(TaskState.TASK_STATE_INPUT_REQUIRED), "input-required");
});

Deno.test("content ↔ parts: text stays text, JSON becomes data, several parts an array", () => {
  assert.deepEqual(partsToContent(contentToParts("hi")), "hi");
  assert.deepEqual(partsToContent(contentToParts({ a: [1, 2] })), { a: [1, 2] });
  assert.deepEqual(partsToContent(contentToParts(null)), null);
  assert.equal(partsToContent([]), undefined);
  assert.deepEqual(contentToParts(undefined), []);
  assert.deepEqual(partsToContent([...contentToParts("a"), ...contentToParts(7)]), ["a", 7]);
  assert.deepEqual(
    partsToContent([{
      content: { $case: "url", value: "https://x/y.pdf" },
      metadata: undefined,
      filename: "y.pdf",
      mediaType: "application/pdf",
    }]),
    { url: "https://x/y.pdf", media_type: "application/pdf", filename: "y.pdf" },
  );
});

Deno.test("requestedSkill: the message's metadata first, then the request's", () => {
  assert.equal(requestedSkill([{ skill: "a" }, { skill: "b" }]), "a");
  assert.equal(requestedSkill([undefined, { skill: "b" }]), "b");
  assert.equal(requestedSkill([{ skill: 3 }, undefined]), undefined);
});

const skill = A2aSkillSchema.parse({ id: "add", name: "Add", performative: "request" });

Deno.test("cards: opted-in skills, endpoints, streaming, bearer only with tokens", () => {
  const ctx = { baseUrl: "http://h:1", platform: "p1", secured: false };
  const card = agentCard(ctx, { name: "calc", skills: [skill] });
  assert.equal(card.name, "calc");
  assert.equal(card.supportedInterfaces[0].url, "http://h:1/a2a/calc");
  assert.equal(card.supportedInterfaces[0].protocolBinding, "JSONRPC");
  assert.equal(card.capabilities?.streaming, true);
  assert.deepEqual(card.skills.map((s) => [s.id, s.tags]), [["add", ["fipa:request"]]]);
  assert.deepEqual(Object.keys(card.securitySchemes), []);
  const secured = platformCard({ ...ctx, secured: true }, [
    { name: "calc", skills: [skill] },
    { name: "other", skills: [{ ...skill, id: "x" }] },
  ]);
  assert.deepEqual(secured.skills.map((s) => s.id), ["calc/add", "other/x"]);
  assert.equal(secured.supportedInterfaces[0].url, "http://h:1/a2a");
  assert.deepEqual(Object.keys(secured.securitySchemes), ["bearer"]);
});

const request: AclMessage = {
  performative: "request",
  sender: aid("alice@p1"),
  receivers: [aid("upper@remote", ["a2a+https://agents.example/upper"])],
  content: "loud",
  conversation_id: "c1",
  reply_with: "r1",
  protocol: "fipa-request",
};
const upper = request.receivers[0];

function task(state: TaskState, artifacts: unknown[] = [], said?: string): Task {
  return {
    id: "t1",
    contextId: "c1",
    status: {
      state,
      timestamp: undefined,
      message: said === undefined ? undefined : {
        messageId: "m",
        contextId: "c1",
        taskId: "t1",
        role: Role.ROLE_AGENT,
        parts: contentToParts(said),
        metadata: undefined,
        extensions: [],
        referenceTaskIds: [],
      },
    },
    artifacts: artifacts as Task["artifacts"],
    history: [],
    metadata: undefined,
  };
}

Deno.test("outbound: a2a+ addresses, the request, and the FIPA reply to each answer", () => {
  assert.equal(a2aAddress(upper), "https://agents.example/upper");
  assert.equal(a2aAddress(aid("x", ["http://h/acc"])), undefined);
  const req = a2aRequest(request);
  assert.equal(req.message?.contextId, "c1");
  assert.deepEqual(partsToContent(req.message!.parts), "loud");
  assert.equal(req.message?.metadata?.fipa?.performative, "request");

  const done = fipaReply(
    request,
    upper,
    task(TaskState.TASK_STATE_COMPLETED, [{ parts: contentToParts("LOUD") }]),
  )!;
  assert.equal(done.performative, "inform");
  assert.equal(done.content, "LOUD");
  assert.equal(done.in_reply_to, "r1");
  assert.equal(done.conversation_id, "c1");
  assert.deepEqual(done.receivers.map((r) => r.name), ["alice@p1"]);
  assert.equal(done.sender?.name, "upper@remote");

  const rejected = fipaReply(request, upper, task(TaskState.TASK_STATE_REJECTED, [], "no"))!;
  assert.equal(rejected.performative, "refuse");
  assert.deepEqual(rejected.content, { state: "rejected", task_id: "t1", message: "no" });
  const failed = fipaReply(request, upper, task(TaskState.TASK_STATE_INPUT_REQUIRED))!;
  assert.equal(failed.performative, "failure");
  assert.deepEqual(failed.content, { state: "input-required", task_id: "t1" });

  const message: Message = {
    messageId: "m2",
    contextId: "c1",
    taskId: "",
    role: Role.ROLE_AGENT,
    parts: contentToParts({ ok: true }),
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
  const informed = fipaReply(request, upper, message)!;
  assert.equal(informed.performative, "inform");
  assert.deepEqual(informed.content, { ok: true });
  assert.equal(fipaReply({ ...request, sender: undefined }, upper, message), undefined);
});

Deno.test("BoundedTaskStore: keeps the recently used tasks, drops the old generation", async () => {
  const store = new BoundedTaskStore(2);
  const ctx = new ServerCallContext();
  const t = (id: string) => ({ ...task(TaskState.TASK_STATE_COMPLETED), id });
  await store.save(t("a"), ctx);
  await store.save(t("b"), ctx);
  await store.save(t("c"), ctx); // a and b are the old generation now
  assert.equal((await store.load("a", ctx))?.id, "a"); // a moves to the current one
  await store.save(t("d"), ctx); // current was full (c, a): they become old; b is gone
  assert.equal(await store.load("b", ctx), undefined);
  assert.equal((await store.load("c", ctx))?.id, "c");
  assert.equal((await store.load("d", ctx))?.id, "d");
});
