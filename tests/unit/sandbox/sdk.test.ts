// The agent SDK and the sample agents' logic, run against fake world imports (no wasm).
import assert from "node:assert/strict";
import {
  type AclMessage,
  bindAgent,
  contentJson,
  contentText,
  json,
  text,
  type WorldImports,
} from "../../../agents/sdk/mod.ts";
import echo from "../../../agents/samples/echo/agent.ts";
import counter from "../../../agents/samples/counter/agent.ts";

function fakeWorld() {
  const sent: AclMessage[] = [];
  const imports: WorldImports = {
    messaging: {
      sendMessage: (m) => {
        sent.push(m);
        return `id-${sent.length}`;
      },
      receiveMessage: () => undefined,
      findAgentsByService: () => [],
    },
    migration: { getCurrentNode: () => "n1", listNodes: () => [], migrateTo: () => {} },
    storage: {
      store: () => {},
      load: () => {
        throw "absent";
      },
      delete: () => {},
    },
    logging: { log: () => {} },
  };
  return { sent, imports };
}

function req(content = text("hi"), extra: Partial<AclMessage> = {}): AclMessage {
  return {
    messageId: "m1",
    performative: "request",
    sender: { name: "client@n1", addresses: [], resolvers: [] },
    receivers: [{ name: "echo@n1", addresses: [], resolvers: [] }],
    replyTo: [],
    content,
    conversationId: "c1",
    replyWith: "r1",
    userParams: [],
    ...extra,
  };
}

Deno.test("sdk echo answers a request with an inform of the same content, in reply", () => {
  const w = fakeWorld();
  const agent = bindAgent(echo, w.imports);
  assert.equal(agent.handleMessage(req(json({ a: 1 }))), true);
  const out = w.sent[0];
  assert.equal(out.performative, "inform");
  assert.deepEqual(out.receivers.map((r) => r.name), ["client@n1"]);
  assert.equal(out.sender, undefined, "the node fills in the sender");
  assert.equal(out.messageId, "");
  assert.deepEqual(contentJson(out), { a: 1 });
  assert.equal(out.conversationId, "c1");
  assert.equal(out.inReplyTo, "r1");
  assert.equal(agent.handleMessage(req(text("x"), { performative: "inform" })), false);
  assert.equal(w.sent.length, 1);
  assert.equal(agent.run(), false);
});

Deno.test("sdk counter counts in memory and answers {count: n}", () => {
  const w = fakeWorld();
  const agent = bindAgent(counter, w.imports);
  for (let i = 0; i < 3; i++) agent.handleMessage(req());
  assert.deepEqual(w.sent.map(contentJson), [{ count: 1 }, { count: 2 }, { count: 3 }]);
  assert.equal(contentText(w.sent[2]), '{"count":3}');
});

Deno.test("sdk reply goes to reply-to when the request names one", () => {
  const w = fakeWorld();
  bindAgent(echo, w.imports).handleMessage(
    req(text("x"), { replyTo: [{ name: "boss@n1", addresses: [], resolvers: [] }] }),
  );
  assert.deepEqual(w.sent[0].receivers.map((r) => r.name), ["boss@n1"]);
});
