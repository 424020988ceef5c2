import assert from "node:assert/strict";
import { parseAclJson } from "../../../runtime/acl/mod.ts";
import type { AclMessage } from "../../../runtime/acl/mod.ts";
import { ComponentStore, Sandbox } from "../../../runtime/sandbox/mod.ts";
import { forwarderBytes } from "../../../bench/lib/forwarder.ts";

Deno.test("bench forwarder: passes a request on to its target, reply-to the original sender", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fipa-edge-test-fwd-" });
  const store = new ComponentStore({ dir });
  const sandbox = new Sandbox({ store, nodeId: "n" });
  try {
    const { hash } = await store.load(await forwarderBytes("echo-b"));
    const sent: AclMessage[] = [];
    const fwd = await sandbox.activate({
      agentId: "fwd@n",
      hash,
      manifest: { network: ["echo-b"] },
      host: { onSend: (m) => void sent.push(m) },
    });
    const r = await fwd.deliver(parseAclJson({
      performative: "request",
      sender: "probe@n",
      receiver: "fwd@n",
      content: "hi",
      reply_with: "r1",
      conversation_id: "c1",
    }));
    assert.deepEqual(r, { handled: true, sent: 1 });
    assert.equal(sent[0].performative, "request");
    assert.deepEqual(sent[0].receivers.map((x) => x.name), ["echo-b"]);
    assert.deepEqual(sent[0].reply_to?.map((x) => x.name), ["probe@n"]);
    assert.equal(sent[0].content, "hi");
    assert.equal(sent[0].reply_with, "r1");
    assert.equal(sent[0].conversation_id, "c1");

    // Anything but a request is left alone.
    const ignored = await fwd.deliver(parseAclJson({
      performative: "inform",
      sender: "probe@n",
      receiver: "fwd@n",
      content: "x",
    }));
    assert.deepEqual(ignored, { handled: false, sent: 0 });
    await fwd.terminate();
  } finally {
    await sandbox.close();
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench forwarder: the target name must be 1..40 bytes", async () => {
  await assert.rejects(() => forwarderBytes(""), RangeError);
  await assert.rejects(() => forwarderBytes("x".repeat(41)), RangeError);
});
