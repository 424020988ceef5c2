// The small pure parts of the conversation service: the names it checks, reply_to
// designations, the events of tracker effects, and the history's questions.
import assert from "node:assert/strict";
import { canonicalNames, MessageHistory } from "../../../runtime/conversations/mod.ts";
import { expireHistory, historyQuery } from "../../../runtime/conversations/history-query.ts";
import { ReplyToDesignations } from "../../../runtime/conversations/reply-to.ts";
import { TrackedNames } from "../../../runtime/conversations/tracked-names.ts";
import {
  effectOutput,
  evictedEvent,
  violationEvent,
} from "../../../runtime/conversations/tracker-events.ts";
import type { TrackedMessage } from "../../../protocols/mod.ts";
import { delivery } from "./helpers.ts";

Deno.test("tracked names: agents and endpoints are checked; retired endpoints are kept a while", () => {
  const forgotten: string[] = [];
  const names = new TrackedNames((n) => n === "agent", (n) => forgotten.push(n), 2);
  assert.equal(names.isTracked("agent"), true);
  assert.equal(names.isTracked("task-1"), false);
  const stops = ["task-1", "task-2", "task-3"].map((n) => names.add(n));
  assert.equal(names.isTracked("task-2"), true);
  for (const stop of stops) stop();
  stops[0]();
  assert.equal(names.isTracked("task-1"), false);
  assert.deepEqual(forgotten, ["task-1"], "the oldest retired beyond the bound, once");
  assert.equal(names.keeps("task-1"), false);
  assert.equal(names.keeps("task-3"), true, "retired: still viewable");
  // Tracked again: no longer retired.
  names.add("task-3");
  assert.equal(names.isTracked("task-3"), true);
});

const seen = (over: Partial<TrackedMessage>): TrackedMessage => ({
  performative: "proxy",
  from: "i@p",
  to: ["t@p"],
  conversation_id: "c1",
  timestamp: "2030-01-01T00:00:00.000Z",
  ...over,
});

Deno.test("reply-to: an answer to the designated agents only is seen as to the initiator", () => {
  const d = new ReplyToDesignations(2);
  const plain = seen({ from: "t@p", to: ["r1@p"] });
  assert.equal(d.redirect("t@p", plain), plain, "nothing designated: as it is");
  d.designate("t@p", seen({ reply_to: ["r1@p", "r2@p"] }));
  const answer = seen({ from: "t@p", to: ["r1@p"], performative: "inform" });
  assert.deepEqual(d.redirect("t@p", answer).to, ["i@p"]);
  for (const other of [["r1@p", "x@p"], ["i@p", "r1@p"], []]) {
    const m = { ...answer, to: other };
    assert.equal(d.redirect("t@p", m), m, `to ${other.join(",")}: as it is`);
  }
  assert.equal(d.redirect("t@p", { ...answer, conversation_id: "c2" }).to[0], "r1@p");
  // Bounded: the oldest designation goes.
  d.designate("u@p", seen({ reply_to: ["r1@p"] }));
  d.designate("v@p", seen({ reply_to: ["r1@p"] }));
  assert.equal(d.size, 2);
  assert.deepEqual(d.redirect("t@p", answer).to, ["r1@p"]);
});

Deno.test("tracker events: effects become events or timeout notices", () => {
  assert.deepEqual(
    effectOutput("a@p", {
      type: "conversation-started",
      conversation_id: "c1",
      role: "initiator",
      protocol: "fipa-request",
    }),
    {
      event: {
        type: "conversation.started",
        agent_id: "a@p",
        conversation_id: "c1",
        details: { role: "initiator", protocol: "fipa-request" },
      },
    },
  );
  const ended = effectOutput("a@p", {
    type: "conversation-ended",
    conversation_id: "c1",
    role: "participant",
    by: "violation",
  });
  assert.deepEqual(ended, {
    event: {
      type: "conversation.ended",
      agent_id: "a@p",
      conversation_id: "c1",
      details: { role: "participant", by: "violation" },
    },
  });
  const out = effectOutput("a@p", {
    type: "notify-initiator",
    conversation_id: "c1",
    protocol: "fipa-request",
    initiator: "i@p",
    self: false,
    parties: ["a@p"],
    reason: "idle",
  });
  assert.ok("notice" in out);
  assert.deepEqual(out.notice, {
    kind: "timeout",
    to: "i@p",
    self: false,
    conversation_id: "c1",
    protocol: "fipa-request",
    parties: ["a@p"],
    reason: "idle",
    deadlines: [],
  });
  assert.deepEqual(evictedEvent("a@p", "c9").details, { by: "evicted" });
  const v = violationEvent(
    "b@p",
    { reason: "unexpected", expected: ["cfp"] } as never,
    delivery(1, "c1"),
  );
  assert.equal(v.type, "conversation.violation");
  assert.equal(v.message_id, "m1");
  assert.equal(v.performative, "inform");
  assert.deepEqual(v.details, { reason: "unexpected", expected: ["cfp"] });
});

Deno.test("history queries: an agent's messages under any spelling of its name; the age limit", () => {
  const canon = canonicalNames(
    (
      n,
    ) => (n.includes("@")
      ? (n.endsWith("@p") || n.endsWith("@alias") ? n.split("@")[0] : undefined)
      : n),
    "p",
  );
  const h = new MessageHistory();
  for (let i = 1; i <= 4; i++) h.add(delivery(i, i % 2 ? "c1" : "c2"), []);
  // Every delivery goes from a@p to b@p.
  for (const name of ["a", "a@p", "a@alias", "b"]) {
    assert.equal(h.query(historyQuery(canon, { agent: name, limit: 10 })).total, 4, name);
  }
  assert.equal(h.query(historyQuery(canon, { agent: "a@elsewhere", limit: 10 })).total, 0);
  assert.equal(h.query(historyQuery(canon, { conversation_id: "c2", limit: 10 })).total, 2);
  assert.equal(expireHistory(h, undefined, Date.UTC(2031, 0, 1)), 0, "no age limit");
  // Accepted 1..4 s into 2030; 2.5 s old at 5 s drops those before 2.5 s.
  assert.equal(expireHistory(h, 2500, Date.UTC(2030, 0, 1, 0, 0, 5)), 2);
  assert.equal(h.size, 2);
});
