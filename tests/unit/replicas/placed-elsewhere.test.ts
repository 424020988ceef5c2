// A node restarts holding a hibernated stateless agent that the directory no longer places
// on it: while it was down the leader placed the agent's instances on the live nodes (its
// own instance among them). Once caught up, the node must not wake a copy of it: a message
// that arrived meanwhile, and every later one, goes to the instances the directory places
// (acknowledged only once the node that took it did), and the agent does not start here.
// Real agent manager (fake sandbox, in-memory KV) and real replica host; the directory, the
// read and the network are fakes (see fixtures.ts).
import assert from "node:assert/strict";
import { aid } from "../../../runtime/acl/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";
import { newMessageId } from "../../../runtime/routing/mod.ts";
import { sha256 } from "../agents/fake-sandbox.ts";
import { directory, hibernatedOnStop, restart, turns, version } from "./fixtures.ts";

const te = new TextEncoder();

Deno.test("placed elsewhere: a hibernated agent whose instances went to other nodes while this one was down is not woken here; its messages go to them", async () => {
  const before = await hibernatedOnStop("st", "v1", 2);
  const H1 = await sha256(te.encode("v1"));
  // n1 was lost: the leader placed both instances on n2 and n3.
  const state = directory("st", [version(1, H1, before.deployment)], {
    instances: [{ index: 0, node: "n2" }, { index: 1, node: "n3" }],
  });
  const node = await restart(before, state);
  const { h, read, forwarded } = node;
  try {
    let acked = false;
    const sent = h.router.route({
      message_id: newMessageId(),
      message: { performative: "inform", receivers: [aid("st")], content: "early" },
      accepted_at: new Date().toISOString(),
      origin: "http",
      mode: "at-least-once",
    }).then(() => acked = true);
    await turns();
    assert.equal(acked, false, "not acknowledged before the node caught up");

    read.resolve();
    await sent;
    await h.send("st", "late", { mode: "at-least-once" });
    const activations = h.sandbox.instances.filter((i) => i.name === "st");
    assert.equal(activations.length, 0, "no copy of the agent started here");
    assert.deepEqual(
      forwarded.map((f) => [f.delivery.message.content, f.name]),
      [["early", "st"], ["late", "st"]],
      "each message handed to an instance the directory places, once",
    );
    assert.ok(forwarded.every((f) => f.node === "n2" || f.node === "n3"));
    assert.equal(h.agents.get("st").status, "hibernated");
    // Nor does it start here on request.
    await assert.rejects(
      h.agents.resume("st"),
      (e) =>
        e instanceof ApiError && e.code === "CONFLICT" && /'st'.*not on this node/.test(e.message),
    );
    assert.equal(h.sandbox.instances.filter((i) => i.name === "st").length, 0);
  } finally {
    await node.close();
  }
});

Deno.test("placed elsewhere: a hibernated agent the directory has on another node is not woken here; its messages go to that node", async () => {
  const before = await hibernatedOnStop("away", "v1", 1);
  const H1 = await sha256(te.encode("v1"));
  const state = directory("away", [version(1, H1, before.deployment)], { node: "n2" });
  const node = await restart(before, state);
  const { h, read, forwarded } = node;
  try {
    read.resolve();
    await h.send("away", "hello", { mode: "at-least-once" });
    assert.equal(h.sandbox.instances.filter((i) => i.name === "away").length, 0);
    assert.deepEqual(forwarded.map((f) => [f.node, f.delivery.message.content]), [["n2", "hello"]]);
    // A stateful agent of this node, hibernated too, wakes here as before.
    await h.send("other", "tick", { mode: "at-least-once" });
    assert.equal(h.sandbox.live("other").length, 1);
  } finally {
    await node.close();
  }
});

Deno.test("placed elsewhere: placed here again, it wakes here on its next message", async () => {
  const before = await hibernatedOnStop("back", "v1", 3);
  const H1 = await sha256(te.encode("v1"));
  const state = directory("back", [version(1, H1, before.deployment)], {
    instances: [{ index: 0, node: "n2" }, { index: 1, node: "n3" }],
  });
  const node = await restart(before, state);
  const { h, read, forwarded } = node;
  try {
    read.resolve();
    await h.send("back", "a", { mode: "at-least-once" });
    assert.equal(forwarded.length, 1);
    // n1 came back: the leader scaled the agent to one instance, on its node (n1).
    node.update("back", { instances: undefined });
    await turns(); // the host aligns it (in-memory steps only)
    await h.send("back", "b", { mode: "at-least-once" });
    const [woken] = h.sandbox.live("back");
    assert.deepEqual(woken.received.map((m) => m.content), ["b"]);
    assert.equal(woken.count, 4, "from its snapshot (3 before the stop)");
    assert.equal(forwarded.length, 1);
  } finally {
    await node.close();
  }
});
