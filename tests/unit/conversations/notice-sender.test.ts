// The notice sender: routes the AMS's deadline notices through a real router to initiators
// this node should tell, exempt from the guard while under way.
import assert from "node:assert/strict";
import { aid } from "../../../runtime/acl/mod.ts";
import type { DeadlineNotice } from "../../../runtime/conversations/mod.ts";
import { NoticeSender } from "../../../runtime/conversations/notice-sender.ts";
import { type Delivery, MessageRouter } from "../../../runtime/routing/mod.ts";
import { settle } from "./helpers.ts";

function setup(tracked: string[] = []) {
  const router = new MessageRouter("p");
  const inbox: Delivery[] = [];
  const exemptSeen: boolean[] = [];
  const sender = new NoticeSender({
    router,
    ams: aid("ams@p"),
    now: () => Date.parse("2030-01-01T00:00:00.000Z"),
    isTracked: (n) => tracked.includes(n),
  });
  router.addGuard((d) => void exemptSeen.push(sender.exempt(d.message_id)));
  for (const n of ["caller", "agent"]) {
    router.register(n, { deliver: (d) => void inbox.push(d) });
  }
  return { router, inbox, sender, exemptSeen };
}

const notice = (to: string, self = false): DeadlineNotice => ({
  kind: "timeout",
  to,
  self,
  conversation_id: "c1",
  protocol: "fipa-request",
  parties: ["agent@p"],
  reason: "deadline",
  deadlines: ["2030-01-01T00:00:00.000Z"],
});

Deno.test("notice sender: an untracked local initiator gets a failure from the AMS, unchecked", async () => {
  const s = setup();
  assert.equal(s.sender.send(notice("caller@p")), true);
  await settle();
  assert.equal(s.inbox.length, 1);
  const m = s.inbox[0].message;
  assert.equal(m.performative, "failure");
  assert.equal(m.sender?.name, "ams@p");
  assert.equal(m.conversation_id, "c1");
  assert.equal(s.inbox[0].origin, "platform");
  assert.equal(s.inbox[0].accepted_at, "2030-01-01T00:00:00.000Z");
  assert.deepEqual(s.exemptSeen, [true], "the guard saw it exempt");
  assert.equal(s.sender.exempt(s.inbox[0].message_id), false, "no longer once routed");
});

Deno.test("notice sender: a tracked initiator is told only by its own tracker", async () => {
  const s = setup(["agent"]);
  assert.equal(s.sender.send(notice("agent@p", false)), false);
  assert.equal(s.sender.send(notice("agent@p", true)), true);
  await settle();
  assert.equal(s.inbox.length, 1);
});

Deno.test("notice sender: nobody here, another platform, or closed: nothing is sent", async () => {
  const s = setup();
  assert.equal(s.sender.send(notice("gone@p")), false);
  assert.equal(s.sender.send(notice("x@elsewhere")), false);
  s.sender.close();
  assert.equal(s.sender.send(notice("caller@p")), false);
  await settle();
  assert.equal(s.inbox.length, 0);
});

Deno.test("notice sender: an undeliverable notice is not thrown", async () => {
  const s = setup();
  s.router.addGuard(() => {
    throw new Error("refused");
  });
  assert.equal(s.sender.send(notice("caller@p")), true);
  await settle();
  assert.equal(s.inbox.length, 0);
});
