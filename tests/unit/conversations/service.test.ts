import assert from "node:assert/strict";
import { ApiError } from "../../../runtime/errors/mod.ts";
import { msg, refusal, settle, world } from "./helpers.ts";

const REQ = { protocol: "fipa-request" } as const;

Deno.test("a request conversation between an HTTP client and an agent is tracked to its end", async () => {
  const w = world();
  w.add("a");
  w.add("client", { agent: false });
  await w.send(msg("request", "client", "a", { ...REQ, reply_with: "r1" }), "http");
  w.clock.now += 10;
  await w.send(msg("agree", "a", "client", REQ));
  let v = w.conv.view("c1")!;
  assert.equal(v.protocol, "fipa-request");
  assert.equal(v.state, "agreed");
  assert.equal(v.finished, false);
  w.clock.now += 10;
  await w.send(msg("inform", "a", "client", { ...REQ, content: { result: 3 } }));
  v = w.conv.view("c1")!;
  assert.equal(v.state, "done");
  assert.equal(v.finished, true);
  assert.deepEqual(v.agents, ["a@p"]);
  assert.equal(v.initiator, "client@p");
  assert.deepEqual(v.trail.map((e) => e.performative), ["request", "agree", "inform"]);
  const page = w.conv.messages({ conversation_id: "c1", limit: 10 });
  assert.equal(page.total, 3);
  assert.equal(w.inbox.get("client")!.length, 2);
  w.detach();
});

Deno.test("an HTTP message that breaks the receiver's protocol is refused and not delivered", async () => {
  const w = world();
  w.add("bidder");
  // A contract net opens with cfp, not accept-proposal.
  const err = await refusal(w.send(
    msg("accept-proposal", "client", "bidder", { protocol: "fipa-contract-net" }),
    "http",
  ));
  assert.ok(err instanceof ApiError);
  assert.equal(err.code, "PROTOCOL_VIOLATION");
  assert.equal(err.status, 409);
  assert.equal(err.details.protocol, "fipa-contract-net");
  assert.deepEqual(err.details.expected, ["cfp"]);
  assert.equal(w.inbox.get("bidder")!.length, 0);
  // The receiver's view is untouched: a proper opening still works.
  await w.send(msg("cfp", "client", "bidder", { protocol: "fipa-contract-net" }), "http");
  assert.equal(w.conv.view("c1")!.state, "called");
  // An answer out of turn from the client, in the conversation now under way.
  const again = await refusal(w.send(msg("accept-proposal", "client", "bidder"), "http"));
  assert.equal(again.code, "PROTOCOL_VIOLATION");
  assert.equal(again.details.state, "called");
  assert.deepEqual(again.details.expected, ["cancel", "not-understood"]);
  assert.equal(w.inbox.get("bidder")!.length, 1);
  w.detach();
});

Deno.test("an agent's own violation ends its conversation; the receiver never sees it", async () => {
  const w = world();
  w.add("a");
  w.add("b");
  await w.send(msg("request", "a", "b", REQ));
  // a is the initiator: it may not answer its own request.
  const err = await refusal(w.send(msg("inform", "a", "b")));
  assert.equal(err.code, "PROTOCOL_VIOLATION");
  const v = w.conv.view("c1")!;
  const mine = v.views.find((x) => x.agent === "a@p")!;
  assert.equal(mine.ended_by, "violation");
  const theirs = v.views.find((x) => x.agent === "b@p")!;
  assert.equal(theirs.state, "requested");
  assert.equal(theirs.ended_by, null);
  assert.equal(w.inbox.get("b")!.length, 1);
  w.detach();
});

Deno.test("HTTP senders are not checked as senders, only by the receiving agent", async () => {
  const w = world();
  w.add("a");
  w.add("a2");
  // Spoofing agent a as the sender of an HTTP message does not touch a's tracker as sender;
  // the receiving agent a2 tracks the conversation it was drawn into.
  await w.send(msg("request", "a", "a2", REQ), "http");
  assert.equal(w.inbox.get("a2")!.length, 1, "delivered");
  assert.equal(w.conv.getTrackerState("a"), undefined);
  assert.equal(
    w.conv.view("c1")?.views.map((v) => `${v.agent} ${v.role}`).join(),
    "a2@p participant",
  );
  // The same message sent by agent a itself is tracked for a as its initiator.
  await w.send(msg("request", "a", "a2", { ...REQ, conversation_id: "c2" }));
  assert.ok(w.conv.getTrackerState("a"));
  assert.equal(w.conv.view("c2")?.views.find((v) => v.agent === "a@p")?.role, "initiator");
  w.detach();
});

Deno.test("a passed reply_by times out silent bidders and tells the initiator with a failure", async () => {
  const w = world();
  for (const n of ["m", "b1", "b2"]) w.add(n);
  const replyBy = new Date(w.clock.now + 1000).toISOString();
  for (const b of ["b1", "b2"]) {
    await w.send(msg("cfp", "m", b, { protocol: "fipa-contract-net", reply_by: replyBy }));
  }
  await w.send(msg("propose", "b1", "m", { content: { price: 5 } }));
  w.conv.tick(w.clock.now + 500);
  await settle();
  assert.equal(w.inbox.get("m")!.length, 1);
  w.clock.now += 1500;
  w.conv.tick();
  await settle();
  const notices = w.inbox.get("m")!.filter((d) => d.message.sender?.name === "ams@p");
  assert.equal(notices.length, 1, "one notice, from the initiator's own tracker");
  const n = notices[0].message;
  assert.equal(n.performative, "failure");
  assert.equal(n.conversation_id, "c1");
  assert.deepEqual(n.content, {
    notice: "timeout",
    conversation_id: "c1",
    protocol: "fipa-contract-net",
    parties: ["b2@p"],
    reason: "deadline",
    deadlines: [replyBy],
  });
  const v = w.conv.view("c1")!;
  assert.equal(v.participants.find((p) => p.name === "b2@p")!.state, "timed-out");
  // The bidder that timed out may no longer propose.
  const late = await refusal(w.send(msg("propose", "b2", "m", { content: { price: 1 } })));
  assert.equal(late.code, "PROTOCOL_VIOLATION");
  // The initiator goes on with the proposer.
  await w.send(msg("accept-proposal", "m", "b1"));
  await w.send(msg("inform", "b1", "m"));
  assert.equal(w.conv.view("c1")!.finished, true);
  w.detach();
});

Deno.test("an auction round's passed reply_by tells the auctioneer with an inform", async () => {
  const w = world();
  for (const n of ["auc", "x", "y"]) w.add(n);
  const P = { protocol: "fipa-auction-english" } as const;
  for (const b of ["x", "y"]) await w.send(msg("inform", "auc", b, P));
  const replyBy = new Date(w.clock.now + 300).toISOString();
  for (const b of ["x", "y"]) {
    await w.send(msg("cfp", "auc", b, { ...P, content: { price: 10 }, reply_by: replyBy }));
  }
  await w.send(msg("propose", "x", "auc", { content: { price: 10 } }));
  w.conv.tick(w.clock.now + 1000);
  await settle();
  const notices = w.inbox.get("auc")!.filter((d) => d.message.sender?.name === "ams@p");
  assert.equal(notices.length, 1);
  assert.equal(notices[0].message.performative, "inform");
  assert.deepEqual(notices[0].message.content, {
    notice: "reply-by-passed",
    conversation_id: "c1",
    protocol: "fipa-auction-english",
    parties: ["y@p"],
    reason: "deadline",
    deadlines: [replyBy],
  });
  // y passed but is still in: the next call reaches it.
  await w.send(msg("accept-proposal", "auc", "x"));
  await w.send(msg("cfp", "auc", "y", { content: { price: 20 } }));
  assert.equal(w.inbox.get("y")!.length, 3);
  w.detach();
});

Deno.test("an HTTP caller waiting on an agent is told when its reply_by passes", async () => {
  const w = world();
  w.add("a");
  w.add("caller", { agent: false });
  const replyBy = new Date(w.clock.now + 100).toISOString();
  await w.send(msg("request", "caller", "a", { ...REQ, reply_by: replyBy }), "http");
  w.conv.tick(w.clock.now + 200);
  await settle();
  const got = w.inbox.get("caller")!;
  assert.equal(got.length, 1);
  assert.equal(got[0].message.performative, "failure");
  assert.equal((got[0].message.content as Record<string, unknown>).notice, "timeout");
  assert.equal(w.conv.view("c1")!.views[0].ended_by, "expired");
  w.detach();
});

Deno.test("tracker state round-trips as JSON and is validated", async () => {
  const w = world();
  w.add("a");
  w.add("b");
  await w.send(msg("request", "a", "b", REQ));
  const st = JSON.parse(JSON.stringify(w.conv.getTrackerState("b@p")));
  w.conv.dropTracker("b");
  assert.equal(w.conv.view("c1")!.views.length, 1);
  w.conv.setTrackerState("b", st);
  assert.equal(w.conv.view("c1")!.views.length, 2);
  await w.send(msg("inform", "b", "a"));
  assert.equal(w.conv.view("c1")!.finished, true);
  assert.throws(() => w.conv.setTrackerState("a", st), /belongs to 'b@p'/);
  assert.throws(() => w.conv.setTrackerState("a", { v: 2 }), (e: ApiError) => {
    assert.equal(e.code, "INVALID_REQUEST");
    return true;
  });
  w.detach();
});

Deno.test("memory stays bounded: finished conversations and trackers of removed agents go", async () => {
  const w = world();
  w.add("a");
  w.add("c", { agent: false });
  for (let i = 0; i < 20; i++) {
    const cid = `k${i}`;
    await w.send(msg("request", "c", "a", { ...REQ, conversation_id: cid }), "http");
    await w.send(msg("inform", "a", "c", { ...REQ, conversation_id: cid }));
  }
  const st = w.conv.getTrackerState("a")!;
  assert.equal(Object.keys(st.active).length, 0);
  assert.equal(st.finished.length, 4); // limits.maxFinished in the test world
  assert.equal(w.conv.view("k19")!.finished, true);
  assert.equal(w.conv.view("k0"), undefined);
  w.remove("a");
  w.conv.tick();
  assert.equal(w.conv.stats().trackers, 0);
  w.detach();
});

Deno.test("a recruited target answering the reply_to agent is checked as answering the initiator", async () => {
  const w = world();
  for (const n of ["recruiter", "target"]) w.add(n);
  w.add("client", { agent: false });
  // The recruiter forwards a request whose answers go to the client.
  await w.send(msg("request", "recruiter", "target", { ...REQ, reply_to: [] }));
  await w.send(
    msg("request", "recruiter", "target", {
      ...REQ,
      conversation_id: "c2",
      reply_to: [{ name: "client@p", addresses: [], resolvers: [], user_params: {} }],
    }),
  );
  await w.send(msg("inform", "target", "client", { ...REQ, conversation_id: "c2" }));
  const v = w.conv.view("c2")!;
  assert.equal(v.views.find((x) => x.agent === "target@p")!.state, "done");
  assert.equal(w.inbox.get("client")!.length, 1);
  w.detach();
});

Deno.test("the deadline timer fires by itself and is stopped by close", async () => {
  const { ConversationService } = await import("../../../runtime/conversations/mod.ts");
  const { MessageRouter } = await import("../../../runtime/routing/mod.ts");
  const router = new MessageRouter("p");
  const got = Promise.withResolvers<string>();
  const agents = new Set(["m", "b"]);
  router.register("m", { deliver: (d) => got.resolve(d.message.performative) });
  router.register("b", { deliver: () => {} });
  const conv = new ConversationService({ router, isAgent: (n) => agents.has(n) });
  const detach = conv.attach();
  const replyBy = new Date(Date.now() + 30).toISOString();
  await router.route({
    message_id: "m1",
    message: msg("cfp", "m", "b", { protocol: "fipa-contract-net", reply_by: replyBy }),
    accepted_at: new Date().toISOString(),
    origin: "agent",
  });
  const safety = setTimeout(() => got.reject(new Error("no notice")), 5000);
  assert.equal(await got.promise, "failure");
  clearTimeout(safety);
  conv.close();
  detach();
});

Deno.test("the sweep expires idle conversations and tells the waiting caller", async () => {
  const w = world();
  w.add("a");
  w.add("caller", { agent: false });
  await w.send(msg("request", "caller", "a", REQ), "http");
  w.conv.sweep(w.clock.now + 30 * 60_000);
  await settle();
  assert.equal(w.inbox.get("caller")!.length, 0, "not idle yet");
  w.conv.sweep(w.clock.now + 2 * 3_600_000);
  await settle();
  const got = w.inbox.get("caller")!;
  assert.equal(got.length, 1);
  assert.equal((got[0].message.content as Record<string, unknown>).reason, "idle");
  assert.equal(w.conv.view("c1")!.views[0].ended_by, "expired");
  // A subscription may stay quiet: it does not go idle.
  await w.send(
    msg("subscribe", "caller", "a", { protocol: "fipa-subscribe", conversation_id: "s" }),
    "http",
  );
  w.conv.sweep(w.clock.now + 5 * 3_600_000);
  assert.equal(w.conv.view("s")!.finished, false);
  w.detach();
});

Deno.test("continuations of conversations a tracker never saw open pass unchecked", async () => {
  const w = world();
  w.add("echo");
  w.add("bidder");
  w.add("client", { agent: false });
  // echo answers a request that reached it around the guard (another node, before a restart).
  await w.send(
    msg("inform", "echo", "client", { ...REQ, conversation_id: "x1", in_reply_to: "r" }),
  );
  assert.equal(w.inbox.get("client")!.length, 1);
  assert.equal(w.conv.getTrackerState("echo"), undefined);
  // An answer to the bidder in a contract net its tracker does not know.
  const CN = { protocol: "fipa-contract-net", conversation_id: "x2" } as const;
  await w.send(msg("accept-proposal", "client", "bidder", { ...CN, in_reply_to: "p1" }), "http");
  assert.equal(w.inbox.get("bidder")!.length, 1);
  // Without in_reply_to it is no answer: refused, as is an agent's bad opening.
  const noReply = await refusal(w.send(msg("accept-proposal", "client", "bidder", CN), "http"));
  assert.equal(noReply.code, "PROTOCOL_VIOLATION");
  // An opening act is always checked: a cfp to nobody else is malformed.
  const bad = await refusal(
    w.send(msg("cfp", "echo", "echo", { protocol: "fipa-contract-net", conversation_id: "x3" })),
  );
  assert.equal(bad.code, "PROTOCOL_VIOLATION");
  w.detach();
});

Deno.test("a broker's sub-conversation under its own id is tracked as its own, linked to the brokering", async () => {
  const w = world();
  w.add("i");
  w.add("br");
  w.add("t");
  const B = { protocol: "fipa-brokering", conversation_id: "C" };
  const S = { protocol: "fipa-request", conversation_id: "C-sub" };
  await w.send(msg("proxy", "i", "br", B));
  await w.send(msg("agree", "br", "i", B));
  await w.send(msg("request", "br", "t", S));
  await w.send(msg("agree", "t", "br", S));
  await w.send(msg("inform", "t", "br", S));
  await w.send(msg("inform", "br", "i", B));
  const outer = w.conv.view("C")!;
  const broker = outer.views.find((v) => v.agent === "br@p")!;
  assert.equal(broker.state, "done");
  assert.deepEqual(
    broker.summary.subs.map((s) => [s.conversation_id, s.protocol, s.finished]),
    [["C-sub", "fipa-request", true]],
  );
  const sub = w.conv.view("C-sub")!;
  assert.equal(sub.protocol, "fipa-request");
  assert.equal(sub.linked_to, "C");
  assert.equal(sub.state, "done");
  // The sub-conversation is still policed: a second inform from the target is refused.
  const err = await refusal(w.send(msg("inform", "t", "br", S)));
  assert.equal(err.code, "PROTOCOL_VIOLATION");
  w.detach();
});

Deno.test("the history keeps the order messages were routed in, not the order their deliveries ended", async () => {
  const w = world();
  w.add("client", { agent: false });
  // An agent that answers before its own delivery ends (as a send-and-wait's or an
  // at-least-once request's delivery ends only once the agent handled it).
  w.router.register("a", {
    deliver: async (d) => {
      if (d.message.performative !== "request") return;
      await w.send(msg("inform", "a", "client", { ...REQ, content: { result: 1 } }));
    },
  });
  await w.send(msg("request", "client", "a", { ...REQ, reply_with: "r1" }), "http");
  const page = w.conv.messages({ conversation_id: "c1", limit: 10 });
  assert.deepEqual(page.entries.map((e) => e.message.performative), ["request", "inform"]);
  // Each entry has its outcome once its delivery ended.
  assert.deepEqual(page.entries.map((e) => e.receivers.map((o) => o.status)), [
    ["delivered"],
    ["delivered"],
  ]);
  w.detach();
});

Deno.test("a message whose delivery failed is not in the history", async () => {
  const w = world();
  w.add("client", { agent: false });
  w.router.register("broken", {
    deliver: () => {
      throw new ApiError("AGENT_UNAVAILABLE", "Agent 'broken' is failed");
    },
  });
  const err = await refusal(w.send(msg("request", "client", "broken", REQ), "http"));
  assert.equal(err.code, "AGENT_UNAVAILABLE");
  const page = w.conv.messages({ conversation_id: "c1", limit: 10 });
  assert.equal(page.total, 0);
  assert.equal(w.conv.stats().history_messages, 0);
  assert.equal(w.conv.stats().history_bytes, 0);
  w.detach();
});
