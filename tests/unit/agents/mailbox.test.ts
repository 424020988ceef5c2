// The mailbox: what each delivery mode answers, holding and releasing in order, bounds.
import assert from "node:assert/strict";
import { aid } from "../../../runtime/acl/mod.ts";
import { Mailbox } from "../../../runtime/agents/mailbox.ts";
import type { Managed } from "../../../runtime/agents/managed.ts";
import type { ApiError } from "../../../runtime/errors/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import type { Delivery } from "../../../runtime/routing/mod.ts";
import { MemoryHeldLog } from "./harness.ts";
import { managedWithInstance, record } from "./parts.ts";

function mailbox(holding: (m: Managed) => boolean = (m) => m.hold !== undefined) {
  const held = new MemoryHeldLog();
  return { box: new Mailbox({ deps: { held, log: silentLogger }, now: () => 0, holding }), held };
}

let seq = 0;
function delivery(content: string, extra: Partial<Delivery> = {}): Delivery {
  return {
    message_id: `m${++seq}`,
    message: { performative: "inform", receivers: [aid("a")], content },
    accepted_at: new Date(0).toISOString(),
    ...extra,
  };
}

Deno.test("mailbox: at most once is done on arrival; await_handled waits for the handling", async () => {
  const { box } = mailbox();
  const { m, instance } = managedWithInstance(record("a"));
  assert.equal(box.deliver(m, delivery("x"), aid("a")), undefined);
  await box.deliver(m, delivery("y", { await_handled: true }), aid("a"));
  assert.equal(instance.count, 2);
  assert.equal(m.counters.messages_processed, 2);
});

Deno.test("mailbox: a receiver that fails on a send-and-wait answers 503 AGENT_UNAVAILABLE with the reason", async () => {
  const { box } = mailbox();
  const { m } = managedWithInstance(record("a"));
  await assert.rejects(
    Promise.resolve(box.deliver(m, delivery("trap", { await_handled: true }), aid("a"))),
    (e: ApiError) =>
      e.code === "AGENT_UNAVAILABLE" && e.status === 503 &&
      e.message === "Agent 'a' failed on the message (trap: unreachable)" &&
      (e.details.failure as { reason: string }).reason === "trap",
  );
  assert.equal(m.counters.messages_failed, 1);
});

Deno.test("mailbox: no instance, draining and a full mailbox are refused naming the agent", () => {
  const { box } = mailbox();
  const { m, instance } = managedWithInstance(record("a", { limits: { mailbox: 1 } }));
  instance.pending = 1;
  assert.throws(
    () => box.deliver(m, delivery("x"), aid("a")),
    (e: ApiError) => e.code === "RESOURCE_LIMIT_EXCEEDED" && /'a'/.test(e.message),
  );
  m.record = { ...m.record, state: "draining" };
  assert.throws(() => box.deliver(m, delivery("x"), aid("a")), /Agent 'a' is draining/);
  m.handle = undefined;
  m.record = {
    ...m.record,
    state: "failed",
    failure: { reason: "trap", message: "boom", at: "t" },
  };
  assert.throws(
    () => box.deliver(m, delivery("x"), aid("a")),
    (e: ApiError) =>
      e.code === "AGENT_UNAVAILABLE" && e.message === "Agent 'a' is failed (trap: boom)",
  );
});

Deno.test("mailbox: held deliveries wait, durable ones in the held log, and go in order on release", async () => {
  const { box, held } = mailbox();
  const { m, instance } = managedWithInstance(record("a"));
  m.hold = { reason: "move", queue: [], durable: true, front: 0 };
  for (const c of ["put:1", "put:2", "put:3"]) await box.deliver(m, delivery(c), aid("a"));
  assert.equal(instance.count, 0);
  assert.deepEqual(
    (await held.list("a")).map((q) => q.delivery.message.content),
    ["put:1", "put:2", "put:3"],
  );
  box.release(m);
  assert.equal(m.hold, undefined);
  await box.deliver(m, delivery("last", { await_handled: true }), aid("a"));
  assert.deepEqual([...instance.storage.keys()], ["1", "2", "3"]);
  assert.equal(instance.count, 4);
});

Deno.test("mailbox: an at-least-once delivery held in memory settles once it was handled", async () => {
  const { box } = mailbox();
  const { m, instance } = managedWithInstance(record("a"));
  m.hold = { reason: "wake", queue: [], durable: false, front: 0 };
  let settled = false;
  const p = Promise.resolve(box.deliver(m, delivery("x", { mode: "at-least-once" }), aid("a")))
    .then(() => (settled = true));
  await Promise.resolve();
  assert.equal(settled, false);
  box.release(m);
  await p;
  assert.equal(instance.count, 1);
});
