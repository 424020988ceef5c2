import assert from "node:assert/strict";
import { type AclMessage, aid } from "../../../runtime/acl/mod.ts";
import {
  addSubscription,
  dropSubscriber,
  emptySubscriptions,
  findSubscription,
  handleManagementMessage,
  notifySubscribers,
  removeSubscription,
  type SubscriptionRegistry,
} from "../../../runtime/ams/mod.ts";
import {
  apply,
  dfAgentDescription,
  type DirectoryEvent,
  type DirectoryState,
  serviceDescription,
} from "../../../runtime/directory/mod.ts";
import {
  actionFromIotaSl,
  dfAgentDescriptionFromSl,
  exceptionFromSl,
  headOf,
  isKeyword,
  type SlList,
  type SlTerm,
} from "../../../runtime/sl/mod.ts";
import { acts, context, elements, freshState, NOW } from "./fixtures.ts";

const P = "node-a";
const DF = `df@${P}`;
const SEARCH =
  `(action (agent-identifier :name ${DF}) (search (df-agent-description :services (set (service-description :type selling))) (search-constraints)))`;

function subscribe(
  conversation = "sub-1",
  content = `((iota ?x (result ${SEARCH} ?x)))`,
): AclMessage {
  return {
    performative: "subscribe",
    sender: aid("watcher@node-b"),
    receivers: [aid(DF)],
    content,
    language: "fipa-sl",
    ontology: "fipa-agent-management",
    protocol: "fipa-subscribe",
    conversation_id: conversation,
    reply_with: "w1",
  };
}

function events(state: DirectoryState, ...cmds: Parameters<typeof apply>[1][]): DirectoryEvent[] {
  return cmds.flatMap((c) => {
    const r = apply(state, c);
    assert.ok(r.ok, JSON.stringify(r));
    return r.events;
  });
}

const seller = (name: string, type = "selling") =>
  dfAgentDescription(aid(name), { services: [serviceDescription({ name: "books", type })] });

/** The descriptions a notification reports, from `((= (iota ...) (sequence ...)))`. */
function reported(msg: AclMessage): { names: string[]; serviceCounts: number[] } {
  const [eq] = elements(msg) as SlList[];
  assert.ok(isKeyword(eq.items[0], "="));
  assert.ok(actionFromIotaSl(eq.items[1] as SlTerm));
  const seq = eq.items[2] as SlList;
  assert.equal(headOf(seq), "sequence");
  const ds = seq.items.slice(1).map((t) => dfAgentDescriptionFromSl(t as SlTerm));
  return { names: ds.map((d) => d.name!.name), serviceCounts: ds.map((d) => d.services.length) };
}

function subscribed(state: DirectoryState): SubscriptionRegistry {
  const out = handleManagementMessage(context(state, { platform: P }), subscribe());
  assert.deepEqual(acts(out.replies), ["agree", "inform"]);
  return addSubscription(emptySubscriptions(), out.subscribe!);
}

Deno.test("DF subscribe: agree, then an inform with the current matches", () => {
  const s = freshState();
  events(s, { type: "df.register", description: seller("s1@p"), at: NOW });
  events(s, { type: "df.register", description: seller("b1@p", "buying"), at: NOW });
  const out = handleManagementMessage(context(s, { platform: P }), subscribe());
  assert.deepEqual(acts(out.replies), ["agree", "inform"]);
  for (const r of out.replies) {
    assert.equal(r.protocol, "fipa-subscribe");
    assert.equal(r.conversation_id, "sub-1");
    assert.equal(r.in_reply_to, "w1");
    assert.deepEqual(r.receivers, [aid("watcher@node-b")]);
  }
  assert.deepEqual(reported(out.replies[1]).names, ["s1@p"]);
  assert.equal(out.subscribe!.subscriber, "watcher@node-b");
  assert.equal(out.subscribe!.conversation_id, "sub-1");
  assert.deepEqual(out.commands, []);
});

Deno.test("DF subscriptions: registrations, modifications and removals notify matching subscribers", () => {
  const s = freshState();
  const reg = subscribed(s);
  const evs = events(
    s,
    { type: "df.register", description: seller("s1@p"), at: NOW },
    { type: "df.register", description: seller("b1@p", "buying"), at: NOW },
    { type: "df.register", description: seller("s2@p"), at: NOW },
  );
  const notes = notifySubscribers(reg, evs);
  assert.equal(notes.length, 1, "one inform per subscription per batch");
  assert.equal(notes[0].performative, "inform");
  assert.equal(notes[0].conversation_id, "sub-1");
  assert.deepEqual(reported(notes[0]).names, ["s1@p", "s2@p"]);

  const moved = notifySubscribers(
    reg,
    events(s, { type: "df.modify", description: seller("s1@p", "buying"), at: NOW }),
  );
  assert.deepEqual(reported(moved[0]), { names: ["s1@p"], serviceCounts: [0] }, "left the set");
  const joined = notifySubscribers(
    reg,
    events(s, { type: "df.modify", description: seller("b1@p", "selling"), at: NOW }),
  );
  assert.deepEqual(reported(joined[0]), { names: ["b1@p"], serviceCounts: [1] });
  const gone = notifySubscribers(reg, events(s, { type: "df.deregister", name: "s2@p", at: NOW }));
  assert.deepEqual(reported(gone[0]), { names: ["s2@p"], serviceCounts: [0] });
  assert.deepEqual(
    notifySubscribers(reg, events(s, { type: "df.deregister", name: "s1@p", at: NOW })),
    [],
    "s1 no longer matched: nothing to say",
  );
  assert.deepEqual(notifySubscribers(emptySubscriptions(), evs), []);
});

Deno.test("DF cancel: inform (done ...) and removal; unknown subscription: failure", () => {
  const s = freshState();
  const reg = subscribed(s);
  const cancel: AclMessage = {
    ...subscribe(),
    performative: "cancel",
    content: `((action (agent-identifier :name ${DF}) (search (df-agent-description))))`,
  };
  const out = handleManagementMessage(context(s, { platform: P, subscriptions: reg }), cancel);
  assert.deepEqual(acts(out.replies), ["inform"]);
  assert.equal(headOf(elements(out.replies[0])[0]), "done");
  assert.deepEqual(out.unsubscribe, { subscriber: "watcher@node-b", conversation_id: "sub-1" });
  const { registry, removed } = removeSubscription(reg, "watcher@node-b", "sub-1");
  assert.ok(removed);
  assert.equal(findSubscription(registry, "watcher@node-b", "sub-1"), undefined);
  assert.equal(registry.byKey.size, 0);

  const again = handleManagementMessage(context(s, { platform: P, subscriptions: registry }), {
    ...cancel,
    content: undefined,
  });
  assert.deepEqual(acts(again.replies), ["failure"]);
  assert.equal(again.unsubscribe, undefined);
  const reason = exceptionFromSl(elements(again.replies[0])[1]);
  assert.equal(reason?.kind, "internal-error");
  assert.match(JSON.stringify(reason), /no subscription of watcher@node-b in conversation sub-1/);
});

Deno.test("DF subscribe: only searches can be subscribed to", () => {
  const s = freshState();
  const register = subscribe(
    "x",
    `((iota ?x (result (action (agent-identifier :name ${DF}) (register (df-agent-description :name (agent-identifier :name a@p)))) ?x)))`,
  );
  const out = handleManagementMessage(context(s, { platform: P }), register);
  assert.deepEqual(acts(out.replies), ["refuse"]);
  assert.deepEqual(exceptionFromSl(elements(out.replies[0])[1]), {
    kind: "unsupported-function",
    function: "register",
  });
  assert.equal(out.subscribe, undefined);
  const notIota = handleManagementMessage(
    context(s, { platform: P }),
    subscribe("y", `(${SEARCH})`),
  );
  assert.deepEqual(acts(notIota.replies), ["not-understood"]);
  const wrongProtocol = handleManagementMessage(context(s, { platform: P }), {
    ...subscribe(),
    protocol: "fipa-request",
  });
  assert.deepEqual(acts(wrongProtocol.replies), ["not-understood"]);
});

Deno.test("subscription registry: immutable updates, keyed by subscriber and conversation", () => {
  const s = freshState();
  const one = subscribed(s);
  const sub = findSubscription(one, "WATCHER@node-b", "sub-1")!;
  assert.ok(sub, "subscriber names compare ignoring case");
  const two = addSubscription(one, { ...sub, conversation_id: "sub-2" });
  assert.equal(one.byKey.size, 1);
  assert.equal(two.byKey.size, 2);
  const replaced = addSubscription(two, { ...sub, action: sub.action });
  assert.equal(replaced.byKey.size, 2);
  assert.equal(dropSubscriber(two, "watcher@node-b").byKey.size, 0);
  assert.equal(dropSubscriber(two, "other@x"), two);
  assert.equal(removeSubscription(two, "nobody").registry, two);
});
