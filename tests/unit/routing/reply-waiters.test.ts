// send-and-wait's reply path: the caller's name is a temporary endpoint; the first message
// to it that answers the request (in_reply_to = reply_with, or the same conversation) is the
// reply; the wait also ends on a delivery failure or at the timeout.
import assert from "node:assert/strict";
import { type AclMessage, aid, type Performative } from "../../../runtime/acl/mod.ts";
import { DEFAULT_SLOT_MS, ManualTimers, TimeoutSlots } from "../../../runtime/async/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";
import {
  type Delivery,
  MessageRouter,
  replyVerdict,
  ReplyWaiters,
} from "../../../runtime/routing/mod.ts";

let ids = 0;

/** Routes `message` from `from` as an agent would. */
function send(router: MessageRouter, message: AclMessage): Promise<unknown> {
  return router.route({
    message_id: `msg_r${++ids}`,
    message,
    accepted_at: new Date().toISOString(),
    origin: "agent",
  });
}

/** A reply from `from` to the request `req`. */
function answer(
  req: AclMessage,
  performative: Performative,
  extra: Partial<AclMessage> = {},
): AclMessage {
  return {
    performative,
    sender: aid("echo@n1"),
    receivers: [req.sender!],
    in_reply_to: req.reply_with,
    conversation_id: req.conversation_id,
    ...extra,
  };
}

/**
 * A router on `n1` with an agent `echo` that answers each request with `replies(request)`,
 * routed after its delivery returned (as an agent's reply is).
 */
function setup(replies: (req: AclMessage) => AclMessage[] = (r) => [answer(r, "inform")]) {
  const router = new MessageRouter("n1");
  const requests: Delivery[] = [];
  router.register("echo", {
    deliver: (d) => {
      requests.push(d);
      queueMicrotask(async () => {
        for (const m of replies(d.message)) await send(router, m).catch(() => {});
      });
    },
  });
  return { router, waiters: new ReplyWaiters(router), requests };
}

const request = (extra: Partial<AclMessage> = {}): AclMessage => ({
  performative: "request",
  receivers: [aid("echo")],
  content: "x",
  ...extra,
});

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

Deno.test("the reply in_reply_to the request's reply_with ends the wait", async () => {
  const { router, waiters, requests } = setup((r) => [
    answer(r, "inform", { conversation_id: "other" }),
  ]);
  const r = await waiters.sendAndWait(request({ reply_with: "rw1" }), { timeoutMs: 5000 });
  assert.equal(r.reply.message.performative, "inform");
  assert.equal(r.reply.message.in_reply_to, "rw1");
  assert.deepEqual(r.receivers, [{ receiver: "echo", status: "delivered" }]);
  assert.equal(requests[0].message_id, r.message_id);
  assert.equal(requests[0].origin, "http");
  assert.ok(r.elapsed_ms >= 0);
  // The caller's temporary name is gone once the wait is over.
  const caller = router.localName(requests[0].message.sender!)!;
  assert.match(caller, /^http-[0-9a-f]{8}$/);
  assert.equal(router.hasLocal(caller), false);
});

Deno.test("a message in the same conversation is a reply too", async () => {
  const { waiters } = setup((r) => [answer(r, "inform", { in_reply_to: undefined })]);
  const r = await waiters.sendAndWait(request({ conversation_id: "k1" }), { timeoutMs: 5000 });
  assert.equal(r.reply.message.conversation_id, "k1");
});

Deno.test("missing reply_with and conversation_id are filled in; the sender is qualified", async () => {
  const { waiters, requests } = setup();
  await waiters.sendAndWait(request({ sender: aid("cli") }), { timeoutMs: 5000 });
  const m = requests[0].message;
  assert.equal(m.sender?.name, "cli@n1");
  assert.match(m.reply_with!, /^rw_[0-9a-f]{32}$/);
  assert.match(m.conversation_id!, /^conv_[0-9a-f]{32}$/);
});

Deno.test("wait_for=final waits past an agree for the final answer", async () => {
  const replies = (r: AclMessage) => [answer(r, "agree"), answer(r, "inform")];
  const first = await setup(replies).waiters.sendAndWait(request(), { timeoutMs: 5000 });
  assert.equal(first.reply.message.performative, "agree");
  const final = await setup(replies).waiters.sendAndWait(request(), {
    timeoutMs: 5000,
    skipAgree: true,
  });
  assert.equal(final.reply.message.performative, "inform");
});

Deno.test("a message to the waiting caller that answers nothing is refused", async () => {
  const router = new MessageRouter("n1");
  const { promise: arrived, resolve } = Promise.withResolvers<AclMessage>();
  router.register("silent", { deliver: (d) => resolve(d.message) });
  const waiters = new ReplyWaiters(router);
  const wait = waiters.sendAndWait(
    request({ sender: aid("cli"), receivers: [aid("silent")], reply_with: "rw" }),
    { timeoutMs: 5000 },
  );
  const req = await arrived;
  const stray = await refusal(
    send(router, answer(req, "inform", { in_reply_to: "other", conversation_id: "other" })),
  );
  assert.equal(stray.code, "AGENT_NOT_FOUND");
  assert.equal(stray.details.agent, "cli");
  await send(router, answer(req, "inform"));
  assert.equal((await wait).reply.message.in_reply_to, "rw");
});

Deno.test("no reply within the timeout answers 504 TIMEOUT naming the request", async () => {
  const router = new MessageRouter("n1");
  router.register("silent", { deliver() {} });
  const waiters = new ReplyWaiters(router);
  const err = await refusal(
    waiters.sendAndWait(request({ sender: aid("cli"), receivers: [aid("silent")] }), {
      timeoutMs: 20,
    }),
  );
  assert.equal(err.code, "TIMEOUT");
  assert.equal(err.status, 504);
  assert.equal(err.details.timeout_ms, 20);
  assert.match(String(err.details.message_id), /^msg_/);
  assert.equal(router.hasLocal("cli"), false, "the caller's name is unregistered");
});

Deno.test("a delivery that fails ends the wait at once with the failure", async () => {
  const router = new MessageRouter("n1");
  router.register("trap", {
    deliver: () => Promise.reject(new ApiError("AGENT_UNAVAILABLE", "agent trapped")),
  });
  const waiters = new ReplyWaiters(router);
  const started = performance.now();
  const err = await refusal(
    waiters.sendAndWait(request({ receivers: [aid("trap")] }), { timeoutMs: 60_000 }),
  );
  assert.equal(err.code, "AGENT_UNAVAILABLE");
  assert.ok(performance.now() - started < 30_000, "not at the timeout");
  const missing = await refusal(
    waiters.sendAndWait(request({ receivers: [aid("ghost")] }), { timeoutMs: 60_000 }),
  );
  assert.equal(missing.code, "AGENT_NOT_FOUND");
  assert.deepEqual(router.localNames(), ["trap"], "no caller's name is left behind");
});

Deno.test("CONFLICT: a sender whose replies would not come back here", async () => {
  const { waiters } = setup();
  const local = await refusal(
    waiters.sendAndWait(request({ sender: aid("echo") }), { timeoutMs: 5000 }),
  );
  assert.equal(local.code, "CONFLICT");
  assert.match(local.message, /'echo' is an agent of this node/);
  const foreign = await refusal(
    waiters.sendAndWait(request({ sender: aid("x@other") }), { timeoutMs: 5000 }),
  );
  assert.equal(foreign.code, "CONFLICT");
  assert.equal(foreign.details.sender, "x@other");
});

Deno.test("CONFLICT: the same sender already waits with this reply_with or conversation", async () => {
  const router = new MessageRouter("n1");
  const got: AclMessage[] = [];
  let arrived = Promise.withResolvers<void>();
  router.register("silent", { deliver: (d) => (got.push(d.message), arrived.resolve()) });
  const waiters = new ReplyWaiters(router);
  const to = { sender: aid("cli"), receivers: [aid("silent")] };
  const first = waiters.sendAndWait(request({ ...to, reply_with: "rw", conversation_id: "k" }), {
    timeoutMs: 5000,
  });
  await arrived.promise;
  for (
    const [field, clash] of [["reply_with", { reply_with: "rw" }], ["conversation_id", {
      conversation_id: "k",
    }]] as const
  ) {
    const err = await refusal(
      waiters.sendAndWait(request({ ...to, ...clash }), { timeoutMs: 5000 }),
    );
    assert.equal(err.code, "CONFLICT");
    assert.match(err.message, new RegExp(`already waits for a reply with ${field}`));
  }
  assert.equal(got.length, 1, "the refused requests were not sent");
  // Another conversation of the same sender waits alongside; each gets its own reply.
  arrived = Promise.withResolvers<void>();
  const second = waiters.sendAndWait(request({ ...to, conversation_id: "k2" }), {
    timeoutMs: 5000,
  });
  await arrived.promise;
  await send(router, answer(got[1], "inform"));
  await send(router, answer(got[0], "failure"));
  assert.equal((await second).reply.message.performative, "inform");
  assert.equal((await first).reply.message.performative, "failure");
  assert.equal(router.hasLocal("cli"), false);
});

Deno.test("replyVerdict: reply, interim agree, or unrelated", () => {
  const wanted = { replyWith: "rw", conversationId: "k", skipAgree: true };
  const m = (p: Performative, extra: Partial<AclMessage>): AclMessage => ({
    performative: p,
    receivers: [aid("cli@n1")],
    ...extra,
  });
  assert.equal(replyVerdict(wanted, m("inform", { in_reply_to: "rw" })), "reply");
  assert.equal(replyVerdict(wanted, m("inform", { conversation_id: "k" })), "reply");
  assert.equal(replyVerdict(wanted, m("agree", { in_reply_to: "rw" })), "interim");
  assert.equal(
    replyVerdict({ ...wanted, skipAgree: false }, m("agree", { in_reply_to: "rw" })),
    "reply",
  );
  assert.equal(
    replyVerdict(wanted, m("inform", { in_reply_to: "x", conversation_id: "y" })),
    "unrelated",
  );
  assert.equal(replyVerdict(wanted, m("inform", {})), "unrelated");
});

Deno.test("send-and-wait to another platform waits as http-…@<platform>, not @<node>", async () => {
  const router = new MessageRouter("edge");
  router.addAlias("node1");
  const requests: AclMessage[] = [];
  // Another platform's agent, reached through a remote route, answers the request.
  router.addRemote({
    kind: "mtp",
    resolve: (to) =>
      router.localName(to) === undefined
        ? (d) => {
          requests.push(d.message);
          queueMicrotask(() => void send(router, answer(d.message, "inform")).catch(() => {}));
          return Promise.resolve();
        }
        : undefined,
  });
  router.register("echo", { deliver: () => {} });
  const waiters = new ReplyWaiters(router, "node1");
  const r = await waiters.sendAndWait(
    { performative: "request", receivers: [aid("bob@jade", ["http://jade:7778/acc"])] },
    { timeoutMs: 5_000 },
  );
  assert.equal(r.reply.message.performative, "inform");
  assert.match(requests[0].sender!.name, /^http-[0-9a-f]{8}@edge$/);
});

Deno.test("waits in flight share a few timers, and each still ends at its timeout", async () => {
  const router = new MessageRouter("n1");
  router.register("silent", { deliver() {} });
  const timers = new ManualTimers();
  const waiters = new ReplyWaiters(
    router,
    "n1",
    new TimeoutSlots({ timers, now: () => timers.now() }),
  );
  const waits = Array.from(
    { length: 100 },
    () =>
      refusal(waiters.sendAndWait(request({ receivers: [aid("silent")] }), { timeoutMs: 1000 })),
  );
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(timers.pending, 1, "100 waits of the same timeout, one timer");
  timers.advance(999);
  await new Promise((r) => setTimeout(r, 0));
  timers.advance(DEFAULT_SLOT_MS);
  const errors = await Promise.all(waits);
  assert.deepEqual(new Set(errors.map((e) => e.code)), new Set(["TIMEOUT"]));
  assert.equal(timers.pending, 0);
});

Deno.test("a wait that ends before its timeout clears its slot's timer", async () => {
  const { waiters } = setup();
  const timers = new ManualTimers();
  const w = new ReplyWaiters(
    waiters.router,
    "n1",
    new TimeoutSlots({ timers, now: () => timers.now() }),
  );
  await w.sendAndWait(request(), { timeoutMs: 5000 });
  assert.equal(timers.pending, 0);
  assert.equal(w.timeouts.size, 0);
});
