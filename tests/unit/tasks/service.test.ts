import assert from "node:assert/strict";
import { type AclMessage, aid, type JsonValue } from "../../../runtime/acl/mod.ts";
import { ManualTimers } from "../../../runtime/async/mod.ts";
import { ConversationService } from "../../../runtime/conversations/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";
import { MessageRouter } from "../../../runtime/routing/mod.ts";
import { CreateTaskSchema, DistributeSchema, TaskService } from "../../../runtime/tasks/mod.ts";

/** What a fake bidder does with a cfp and with an accept-proposal. */
interface Behaviour {
  cfp: "propose" | "refuse" | "silent" | "late";
  price?: number;
  onAccept?: "inform" | "failure" | "silent";
}

interface Setup {
  router: MessageRouter;
  conv: ConversationService;
  tasks: TaskService;
  got: Map<string, AclMessage[]>;
  close(): void;
}

function setup(
  bidders: Record<string, Behaviour>,
  services: Record<string, string[]> = {},
  /** Drives the bidders' delays and the service's deadlines by hand. */
  timers?: ManualTimers,
): Setup {
  const router = new MessageRouter("p");
  const agents = new Set(Object.keys(bidders));
  const conv = new ConversationService({ router, isAgent: (n) => agents.has(n), timers: null });
  const detach = conv.attach();
  const got = new Map<string, AclMessage[]>();
  const pending = new Set<ReturnType<typeof setTimeout>>();
  const later = (fn: () => void, ms = 0) => {
    if (timers) return void timers.set(fn, ms);
    const id = setTimeout(() => {
      pending.delete(id);
      fn();
    }, ms);
    pending.add(id);
  };
  for (const [name, b] of Object.entries(bidders)) {
    got.set(name, []);
    router.register(name, {
      deliver: (d) => {
        const m = d.message;
        got.get(name)!.push(m);
        const reply = (performative: AclMessage["performative"], content: JsonValue) =>
          router.route({
            message_id: crypto.randomUUID(),
            accepted_at: new Date().toISOString(),
            origin: "agent",
            message: {
              performative,
              sender: aid(`${name}@p`),
              receivers: [m.sender!],
              content,
              conversation_id: m.conversation_id,
              in_reply_to: m.reply_with,
              protocol: m.protocol,
            },
          }).catch(() => {});
        if (m.performative === "cfp") {
          if (b.cfp === "propose") later(() => reply("propose", { price: b.price! }));
          if (b.cfp === "refuse") later(() => reply("refuse", { reason: "busy" }));
          if (b.cfp === "late") later(() => reply("propose", { price: b.price! }), 400);
        }
        if (m.performative === "accept-proposal" && (b.onAccept ?? "inform") !== "silent") {
          const ok = (b.onAccept ?? "inform") === "inform";
          later(() => reply(ok ? "inform" : "failure", ok ? { done: name } : { reason: "broke" }));
        }
      },
    });
  }
  const tasks = new TaskService({
    router,
    conversations: conv,
    directory: {
      findAgentsByService: (s) => (services[s] ?? []).map((n) => aid(n)),
    },
    ...(timers ? { timers } : {}),
  });
  return {
    router,
    conv,
    tasks,
    got,
    close() {
      tasks.close();
      conv.close();
      detach();
      for (const id of pending) clearTimeout(id);
    },
  };
}

const create = (body: unknown) => CreateTaskSchema.parse(body);
const opts = (body: unknown) => DistributeSchema.parse(body);

Deno.test("the best of three bids wins, the others are rejected, the result completes the task", async () => {
  const s = setup({
    b30: { cfp: "propose", price: 30 },
    b20: { cfp: "propose", price: 20 },
    b50: { cfp: "propose", price: 50 },
  });
  try {
    const t = s.tasks.create(create({
      name: "crunch",
      data: { n: 1 },
      participants: ["b30", "b20", "b50"],
    }));
    assert.equal(t.status, "created");
    const r = await s.tasks.distribute(
      t.task_id,
      opts({ strategy: "best_bid", max_wait_seconds: 5, wait_for_result: true }),
    );
    assert.equal(r.status, "completed");
    assert.equal(r.assigned_to, "b20@p");
    assert.equal(r.proposals_received, 3);
    assert.deepEqual(r.winning_bid, { agent_id: "b20@p", price: 20 });
    assert.deepEqual(r.result, { done: "b20" });
    const perf = (n: string) => s.got.get(n)!.map((m) => m.performative);
    assert.deepEqual(perf("b20"), ["cfp", "accept-proposal"]);
    assert.deepEqual(perf("b30"), ["cfp", "reject-proposal"]);
    assert.deepEqual(perf("b50"), ["cfp", "reject-proposal"]);
    const cfp = s.got.get("b20")![0];
    assert.deepEqual(cfp.content, { task_id: t.task_id, name: "crunch", data: { n: 1 } });
    const view = s.tasks.get(t.task_id);
    assert.equal(view.status, "completed");
    assert.equal(view.progress, 1);
    // The conversation was policed and tracked on both sides, to its end.
    const conv = s.conv.view(r.conversation_id)!;
    assert.equal(conv.protocol, "fipa-contract-net");
    assert.equal(conv.finished, true);
    assert.equal(conv.initiator, `_${t.task_id}@p`);
    assert.equal(conv.agents.length, 4);
    // The initiator endpoint is gone.
    assert.equal(s.router.hasLocal(`_${t.task_id}`), false);
    await assert.rejects(
      s.tasks.distribute(t.task_id, opts({})),
      (e: ApiError) => e.code === "CONFLICT",
    );
  } finally {
    s.close();
  }
});

Deno.test("the cfps go out together: a participant slow to take its cfp holds up no other", async () => {
  const s = setup({ b1: { cfp: "propose", price: 10 }, b2: { cfp: "propose", price: 20 } });
  const release = Promise.withResolvers<void>();
  s.router.register("slow", {
    deliver: async (d) => {
      await release.promise;
      await s.router.route({
        message_id: crypto.randomUUID(),
        accepted_at: new Date().toISOString(),
        origin: "agent",
        message: {
          performative: "refuse",
          sender: aid("slow@p"),
          receivers: [d.message.sender!],
          content: "busy",
          conversation_id: d.message.conversation_id,
          in_reply_to: d.message.reply_with,
          protocol: d.message.protocol,
        },
      });
    },
  });
  try {
    const t = s.tasks.create(create({ name: "x", participants: ["slow", "b1", "b2"] }));
    const r = s.tasks.distribute(t.task_id, opts({ max_wait_seconds: 5, wait_for_result: true }));
    // While the first participant has not taken its cfp, the others have theirs.
    assert.deepEqual(s.got.get("b1")!.map((m) => m.performative), ["cfp"]);
    assert.deepEqual(s.got.get("b2")!.map((m) => m.performative), ["cfp"]);
    release.resolve();
    const done = await r;
    assert.equal(done.status, "completed");
    assert.equal(done.assigned_to, "b1@p");
    assert.equal(done.refusals_received, 1);
  } finally {
    s.close();
  }
});

Deno.test("refusals, silence and a late bid: the award waits for the deadline", async () => {
  const timers = new ManualTimers();
  const s = setup(
    {
      r: { cfp: "refuse" },
      q: { cfp: "silent" },
      late: { cfp: "late", price: 1 },
      ok: { cfp: "propose", price: 9, onAccept: "silent" },
    },
    {},
    timers,
  );
  /** Lets the router's async deliveries run (event-loop turns, no wall-clock wait). */
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
  };
  try {
    const t = s.tasks.create(create({ name: "x", participants: ["r", "q", "late", "ok"] }));
    let done = false;
    const distributed = s.tasks.distribute(t.task_id, opts({ max_wait_seconds: 0.2 }));
    distributed.finally(() => done = true).catch(() => {});
    await settle();
    timers.advance(0); // the refusal and the timely bid
    await settle();
    timers.advance(199);
    await settle();
    assert.equal(done, false, "the award waits for the deadline");
    timers.advance(1);
    const r = await distributed;
    assert.equal(r.status, "distributed");
    assert.equal(r.assigned_to, "ok@p");
    assert.equal(r.refusals_received, 1);
    assert.equal(r.no_response, 2);
    assert.equal(s.tasks.get(t.task_id).status, "in_progress");
    // The late bid arrives after the award (at 400 ms) and is rejected.
    timers.advance(200);
    await settle();
    assert.deepEqual(s.got.get("late")!.map((m) => m.performative), ["cfp", "reject-proposal"]);
  } finally {
    s.close();
  }
  assert.equal(s.tasks.list().tasks[0].status, "failed");
});

Deno.test("requirements address every provider of the services; no qualified agent is a conflict", async () => {
  const s = setup(
    { a: { cfp: "propose", price: 5 }, b: { cfp: "propose", price: 4 }, c: { cfp: "refuse" } },
    { compute: ["a@p", "b", "c"], gpu: ["a", "b@p"] },
  );
  try {
    const t = s.tasks.create(create({
      name: "x",
      requirements: { capabilities: ["compute", "gpu"], min_performance_score: 0.8 },
    }));
    const r = await s.tasks.distribute(
      t.task_id,
      opts({ max_wait_seconds: 5, wait_for_result: true }),
    );
    assert.equal(r.assigned_to, "b@p");
    assert.equal(r.proposals_received, 2);
    assert.equal(s.got.get("c")!.length, 0);
    const none = s.tasks.create(create({ name: "y", requirements: { service_type: "nothing" } }));
    await assert.rejects(
      s.tasks.distribute(none.task_id, opts({})),
      (e: ApiError) => e.code === "CONFLICT" && /No agent qualifies/.test(e.message),
    );
    assert.throws(() => s.tasks.get("task_missing"), (e: ApiError) => e.code === "NOT_FOUND");
    assert.throws(() => create({ name: "z" }), /participants/);
    assert.throws(() => create({ name: "z", participants: ["a"], protocol: "fipa-request" }));
  } finally {
    s.close();
  }
});

Deno.test("a winner's failure fails the task; unknown participants are unreachable", async () => {
  const s = setup({ w: { cfp: "propose", price: 1, onAccept: "failure" } });
  try {
    const t = s.tasks.create(create({ name: "x", participants: ["w", "ghost@p"] }));
    const r = await s.tasks.distribute(
      t.task_id,
      opts({ max_wait_seconds: 5, wait_for_result: true }),
    );
    assert.equal(r.status, "failed");
    assert.match(r.error!, /broke/);
    const v = s.tasks.get(t.task_id);
    assert.deepEqual(
      v.participants.map((p) => [p.agent, p.state]),
      [["w@p", "failed"], ["ghost@p", "unreachable"]],
    );
  } finally {
    s.close();
  }
});
