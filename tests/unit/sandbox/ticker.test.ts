// The ticker sample's logic (FIPA-subscribe participant on a durable timer) against fake
// world imports: no wasm.
import assert from "node:assert/strict";
import { type AclMessage, bindAgent, contentJson } from "../../../agents/sdk/mod.ts";
import { fakeWorld, message } from "../../../agents/sdk/testing.ts";
import ticker, { TICK } from "../../../agents/samples/ticker/agent.ts";

const sub = (conv: string, performative: "subscribe" | "cancel" = "subscribe"): AclMessage =>
  message(performative, undefined, { conversationId: conv, protocol: "fipa-subscribe" });

Deno.test("ticker: agrees, informs each subscriber on its timer, stops when all cancelled", () => {
  const w = fakeWorld();
  const agent = bindAgent(ticker, w.imports);
  assert.equal(agent.handleMessage(sub("c1")), true);
  assert.equal(w.sent[0].performative, "agree");
  assert.equal(w.timers.size, 1, "one timer for all subscribers");
  const [[id, t]] = [...w.timers];
  assert.equal(t.tag, TICK);
  assert.equal(t.dueAtMs, 1000);
  assert.equal(agent.handleMessage(sub("c2")), true);
  assert.equal(w.timers.size, 1);

  w.timers.delete(id);
  agent.onTimer!(id, TICK);
  const informs = w.sent.filter((m) => m.performative === "inform");
  assert.deepEqual(informs.map((m) => m.conversationId).sort(), ["c1", "c2"]);
  assert.deepEqual(informs.map((m) => (contentJson(m) as { tick: number }).tick), [1, 1]);
  assert.equal(w.timers.size, 1, "the next tick is set");

  assert.equal(agent.handleMessage(sub("c1", "cancel")), true);
  assert.equal(agent.handleMessage(sub("c2", "cancel")), true);
  assert.equal(w.timers.size, 0, "no subscriber left: the timer is cancelled");
  assert.equal(agent.handleMessage(sub("c9", "cancel")), false, "unknown conversation");
  assert.equal(agent.handleMessage(message("request")), false);

  // A stale timer (one this memory does not know) does nothing.
  const before = w.sent.length;
  agent.onTimer!("timer-unknown", TICK);
  assert.equal(w.sent.length, before);
});
