import assert from "node:assert/strict";
import { type AclMessage, aid } from "../../../runtime/acl/mod.ts";
import {
  addSubscription,
  emptyAmsSubscriptions,
  handleManagementMessage,
  notifyAmsSubscribers,
  removeSubscription,
} from "../../../runtime/ams/mod.ts";
import { apply, type DirectoryCommand } from "../../../runtime/directory/mod.ts";
import { amsAgentDescriptionFromSl, type SlList, type SlTerm } from "../../../runtime/sl/mod.ts";
import { acts, context, elements, freshState } from "./fixtures.ts";

const PLATFORM = "edge";
const AMS = `ams@${PLATFORM}`;
const ADDR = "http://edge:8080/acc";
const AT = "2026-01-01T00:00:00Z";
const localOf = (n: string) =>
  n.includes("@") ? (n.endsWith(`@${PLATFORM}`) ? n.slice(0, n.indexOf("@")) : undefined) : n;

function subscribe(template = ""): AclMessage {
  return {
    performative: "subscribe",
    sender: aid("rma@tools", ["http://tools:7778/acc"]),
    receivers: [aid(AMS)],
    content: `((iota ?x (result (action (agent-identifier :name ${AMS}) ` +
      `(search (ams-agent-description${template}) (search-constraints))) ?x)))`,
    language: "fipa-sl0",
    ontology: "FIPA-Agent-Management",
    protocol: "fipa-subscribe",
    conversation_id: "follow-1",
  };
}

const register = (name: string): DirectoryCommand => ({
  type: "agent.register",
  name,
  node: "n1",
  state: "running",
  manifest: { capabilities: [], limits: {} },
  component_hash: "sha256:" + "00".repeat(32),
  at: AT,
});

/** The descriptions and event names of notifications. */
function described(ms: AclMessage[]) {
  return ms.map((m) => {
    const iota = elements(m)[0] as SlList; // (= (iota ...) (sequence d))
    const seq = iota.items[2] as SlList;
    const d = amsAgentDescriptionFromSl(seq.items[1] as SlTerm);
    return {
      event: m.user_params?.["X-platform-event"],
      name: d.name?.name,
      state: d.state,
      moved: m.user_params?.["X-to-node"],
    };
  });
}

Deno.test("AMS subscribe: agree, the agents now, then born, state, moved and died events", () => {
  const state = freshState();
  assert.ok(apply(state, register("echo")).ok);
  const ctx = context(state, { platform: PLATFORM, addresses: [ADDR] });
  const out = handleManagementMessage(ctx, subscribe());
  assert.deepEqual(acts(out.replies), ["agree", "inform"]);
  assert.match(out.replies[1].content as string, /:name echo@edge/);
  assert.ok(out.amsSubscribe);
  const subs = addSubscription(emptyAmsSubscriptions(), out.amsSubscribe!);

  const events = [
    register("worker"),
    { type: "agent.set-state", name: "worker", state: "stopped", at: AT } as DirectoryCommand,
    {
      type: "agent.move",
      name: "echo",
      from_node: "n1",
      to_node: "n2",
      at: AT,
    } as DirectoryCommand,
    { type: "agent.deregister", name: "worker", at: AT } as DirectoryCommand,
  ].flatMap((c) => {
    const r = apply(state, c);
    assert.ok(r.ok);
    return r.events;
  });
  const notes = notifyAmsSubscribers(subs, events, PLATFORM, [ADDR], localOf);
  assert.deepEqual(described(notes), [
    { event: "agent-born", name: "worker@edge", state: "active", moved: undefined },
    { event: "agent-state", name: "worker@edge", state: "suspended", moved: undefined },
    { event: "agent-moved", name: "echo@edge", state: "active", moved: "n2" },
    { event: "agent-died", name: "worker@edge", state: undefined, moved: undefined },
  ]);
  for (const n of notes) {
    assert.equal(n.performative, "inform");
    assert.equal(n.conversation_id, "follow-1");
    assert.deepEqual(n.receivers.map((r) => r.name), ["rma@tools"]);
    assert.equal(n.sender?.name, AMS);
  }

  // A template narrows the events: only echo's.
  const only = handleManagementMessage(
    ctx,
    subscribe(" :name (agent-identifier :name echo@edge)"),
  );
  const narrow = addSubscription(emptyAmsSubscriptions(), only.amsSubscribe!);
  assert.deepEqual(
    described(notifyAmsSubscribers(narrow, events, PLATFORM, [ADDR], localOf)).map((d) => d.event),
    ["agent-moved"],
  );
});

Deno.test("AMS cancel: inform done and the subscription goes; an unknown one is a failure", () => {
  const state = freshState();
  const ctx = context(state, { platform: PLATFORM, addresses: [ADDR] });
  const sub = handleManagementMessage(ctx, subscribe()).amsSubscribe!;
  const subs = addSubscription(emptyAmsSubscriptions(), sub);
  const cancel: AclMessage = { ...subscribe(), performative: "cancel" };
  const out = handleManagementMessage({ ...ctx, amsSubscriptions: subs }, cancel);
  assert.deepEqual(acts(out.replies), ["inform"]);
  assert.deepEqual(out.amsUnsubscribe, { subscriber: "rma@tools", conversation_id: "follow-1" });
  const after = removeSubscription(subs, "rma@tools", "follow-1").registry;
  assert.equal(after.byKey.size, 0);
  const none = handleManagementMessage({ ...ctx, amsSubscriptions: after }, cancel);
  assert.deepEqual(acts(none.replies), ["failure"]);
  assert.match(none.replies[0].content as string, /no AMS subscription of rma@tools/);
});
