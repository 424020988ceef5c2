import assert from "node:assert/strict";
import { type AclMessage, aid } from "../../../runtime/acl/mod.ts";
import { ManualTimers } from "../../../runtime/async/mod.ts";
import { MessageRouter } from "../../../runtime/routing/mod.ts";
import {
  CreateTaskSchema,
  DistributeSchema,
  restartDecision,
  type StoredTask,
  TASK_PREFIX,
  TaskKv,
  TaskService,
} from "../../../runtime/tasks/mod.ts";

const NOW = Date.parse("2030-01-01T00:00:00.000Z");

function stored(fields: Partial<StoredTask>): StoredTask {
  return {
    id: "task_1",
    spec: CreateTaskSchema.parse({ name: "x", participants: ["a"] }),
    status: "created",
    created_at: new Date(NOW).toISOString(),
    started_at: null,
    awarded_at: null,
    completed_at: null,
    strategy: null,
    error: null,
    ...fields,
  };
}

Deno.test("restartDecision: ended tasks stay, awarded ones resume until result_by, bidding fails", () => {
  assert.deepEqual(restartDecision(stored({}), NOW), { kind: "keep" });
  assert.deepEqual(restartDecision(stored({ status: "completed" }), NOW), { kind: "keep" });
  const awarded = stored({
    status: "in_progress",
    cnet: {
      v: 1,
      opts: {
        task_id: "task_1",
        conversation_id: "c",
        initiator: "_task_1@n",
        participants: ["a@p"],
        content: null,
        strategy: "best_bid",
        reply_by: new Date(NOW - 1000).toISOString(),
        result_by: new Date(NOW + 5000).toISOString(),
      },
      phase: "awarded",
      seq: 1,
      participants: {},
      winner: "a@p",
      result: null,
      failure: null,
    },
  });
  assert.deepEqual(restartDecision(awarded, NOW), { kind: "resume", result_by_ms: NOW + 5000 });
  assert.equal(restartDecision(awarded, NOW + 5000).kind, "fail");
  assert.equal(restartDecision(stored({ status: "distributing" }), NOW).kind, "fail");
});

Deno.test("an awarded task survives a restart and completes with the winner's result", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv`;
  let accepted: AclMessage | undefined;
  const start = async () => {
    const kv = await Deno.openKv(path);
    const router = new MessageRouter("p");
    const timers = new ManualTimers();
    router.register("w", {
      deliver: (d) => {
        const m = d.message;
        if (m.performative === "cfp") {
          void router.route({
            message_id: crypto.randomUUID(),
            accepted_at: new Date().toISOString(),
            origin: "agent",
            message: {
              performative: "propose",
              sender: aid("w@p"),
              receivers: [m.sender!],
              content: { price: 1 },
              conversation_id: m.conversation_id,
              in_reply_to: m.reply_with,
              protocol: m.protocol,
            },
          });
        }
        if (m.performative === "accept-proposal") accepted = m;
      },
    });
    const tasks = new TaskService({ router, timers, store: new TaskKv(kv) });
    const loaded = await tasks.load();
    return { kv, router, tasks, loaded };
  };
  try {
    const one = await start();
    assert.equal(one.loaded, 0);
    const idle = one.tasks.create(CreateTaskSchema.parse({ name: "idle", participants: ["w"] }));
    const t = one.tasks.create(CreateTaskSchema.parse({ name: "work", participants: ["w"] }));
    const r = await one.tasks.distribute(t.task_id, DistributeSchema.parse({}));
    assert.equal(r.status, "distributed");
    assert.ok(accepted);
    one.tasks.close();
    await one.tasks.flush();
    one.kv.close();

    const two = await start();
    try {
      assert.equal(two.loaded, 2);
      assert.equal(two.tasks.get(idle.task_id).status, "created");
      assert.equal(two.tasks.get(t.task_id).status, "in_progress", "still waiting for w");
      await two.router.route({
        message_id: crypto.randomUUID(),
        accepted_at: new Date().toISOString(),
        origin: "agent",
        message: {
          performative: "inform",
          sender: aid("w@p"),
          receivers: [accepted!.sender!],
          content: { done: true },
          conversation_id: accepted!.conversation_id,
          in_reply_to: accepted!.reply_with,
          protocol: accepted!.protocol,
        },
      });
      const v = two.tasks.get(t.task_id);
      assert.equal(v.status, "completed");
      assert.deepEqual(v.result, { done: true });
      assert.equal(v.assigned_to, "w@p");
      two.tasks.close();
      await two.tasks.flush();
    } finally {
      two.kv.close();
    }
    const three = await start();
    try {
      assert.equal(three.tasks.get(t.task_id).status, "completed", "the end was kept too");
      assert.deepEqual(three.tasks.list().tasks.map((x) => x.name), ["work", "idle"]);
    } finally {
      three.tasks.close();
      three.kv.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tasks created in the same millisecond keep their order across a restart", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv`;
  const start = async () => {
    const kv = await Deno.openKv(path);
    const tasks = new TaskService({
      router: new MessageRouter("p"),
      timers: new ManualTimers(),
      store: new TaskKv(kv),
      now: () => NOW,
    });
    await tasks.load();
    return { kv, tasks };
  };
  try {
    const one = await start();
    const names = Array.from({ length: 12 }, (_, i) => `t${i}`);
    for (const name of names) {
      one.tasks.create(CreateTaskSchema.parse({ name, participants: ["w"] }));
    }
    one.tasks.close();
    await one.tasks.flush();
    one.kv.close();
    const two = await start();
    try {
      // Newest first, as created, though every task has the same created_at.
      assert.deepEqual(two.tasks.list().tasks.map((t) => t.name), [...names].reverse());
      two.tasks.create(CreateTaskSchema.parse({ name: "after", participants: ["w"] }));
      assert.equal(two.tasks.list().tasks[0].name, "after");
    } finally {
      two.tasks.close();
      two.kv.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tasks are kept as JSON text; a task kept as a value by an earlier version is read too", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = new TaskKv(kv);
    const text = stored({ id: "task_1", status: "completed" });
    await store.write([["task_1", text]]);
    const kept = await kv.get([...TASK_PREFIX, "task_1"]);
    assert.equal(typeof kept.value, "string");
    assert.deepEqual(JSON.parse(kept.value as string), text);
    const older = stored({ id: "task_2", created_at: new Date(NOW + 1).toISOString() });
    await kv.set([...TASK_PREFIX, "task_2"], older);
    await kv.set([...TASK_PREFIX, "task_3"], "{not json");
    const loaded = await store.load();
    assert.deepEqual(loaded.map((t) => [t.id, t.status]), [
      ["task_1", "completed"],
      ["task_2", "created"],
    ]);
    await store.write([["task_1", undefined]]);
    assert.equal((await kv.get([...TASK_PREFIX, "task_1"])).value, null);
  } finally {
    kv.close();
  }
});
