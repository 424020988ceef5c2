// What agents send: routed like any message; undeliverable ones come back to the agent as a
// FIPA `failure` from the platform's AMS naming the receiver.
import assert from "node:assert/strict";
import { pollUntil } from "../../../runtime/async/mod.ts";
import { harness } from "./harness.ts";

Deno.test("outgoing: an agent's message reaches a local agent", async () => {
  const h = await harness();
  try {
    await h.deploy("a");
    await h.deploy("b");
    await h.send("a", "send:b", { await_handled: true });
    const [b] = h.sandbox.live("b");
    const got = await pollUntil("b's message", () => b.received[0], { intervalMs: 5 });
    assert.equal(got.performative, "inform");
    assert.equal(got.sender?.name, "a");
  } finally {
    await h.close();
  }
});

Deno.test("outgoing: an undeliverable message comes back as a failure from the AMS", async () => {
  const h = await harness();
  try {
    await h.deploy("a");
    await h.send("a", "send:nobody", { await_handled: true });
    const [a] = h.sandbox.live("a");
    const failure = await pollUntil(
      "the failure",
      () => a.received.find((m) => m.performative === "failure"),
      { intervalMs: 5 },
    );
    assert.equal(failure.sender?.name, "ams@plat");
    assert.match(String(failure.content), /nobody/);
  } finally {
    await h.close();
  }
});
