import assert from "node:assert/strict";
import { type AclMessage, aid } from "../../../runtime/acl/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { parseHttpMtpRequest, type SendResult } from "../../../runtime/mtp/mod.ts";
import { type Delivery, MessageRouter, mtpRoute } from "../../../runtime/routing/mod.ts";

function delivery(message: AclMessage): Delivery {
  return { message_id: "msg_1", message, accepted_at: new Date().toISOString() };
}

Deno.test("a foreign receiver with an http address is forwarded over the MTP", async () => {
  const router = new MessageRouter("node1");
  const sent: AclMessage[] = [];
  const ids: string[] = [];
  const inflight = new Set<Promise<unknown>>();
  router.addRemote(mtpRoute({
    router,
    log: silentLogger,
    inflight,
    send: (msg, to, messageId) => {
      sent.push(msg);
      ids.push(messageId);
      return Promise.resolve({
        ok: true,
        receiver: to,
        address: to.addresses[0],
        status: 200,
        attempts: [],
      });
    },
  }));
  const out = await router.route(delivery({
    performative: "inform",
    receivers: [aid("bob@jade:1099/JADE", ["http://jade:7778/acc"])],
    content: "hi",
  }));
  assert.deepEqual(out, [{ receiver: "bob@jade:1099/JADE", status: "forwarded", via: "mtp" }]);
  await Promise.all([...inflight]);
  assert.equal(sent.length, 1);
  // The delivery's id goes with it (into the envelope), for the receiver to drop retries.
  assert.deepEqual(ids, ["msg_1"]);
  // Without an address, or for our own platform, the MTP route does not apply.
  await assert.rejects(
    router.route(delivery({ performative: "inform", receivers: [aid("bob@jade")] })),
    /not found/,
  );
  await assert.rejects(
    router.route(
      delivery({ performative: "inform", receivers: [aid("x@node1", ["http://a/acc"])] }),
    ),
    /not found/,
  );
});

Deno.test("a failed MTP send reaches a local sender as a FIPA failure from our AMS", async () => {
  const router = new MessageRouter("node1");
  const got: Delivery[] = [];
  router.register("alice", { deliver: (d) => void got.push(d) });
  const inflight = new Set<Promise<unknown>>();
  router.addRemote(mtpRoute({
    router,
    log: silentLogger,
    inflight,
    send: (_msg, to): Promise<SendResult> =>
      Promise.resolve({ ok: false, receiver: to, reason: "connection refused", attempts: [] }),
  }));
  await router.route(delivery({
    performative: "request",
    sender: aid("alice@node1"),
    receivers: [aid("bob@jade", ["http://127.0.0.1:1/acc"])],
    reply_with: "r1",
    conversation_id: "c1",
  }));
  await Promise.all([...inflight]);
  assert.equal(got.length, 1);
  const f = got[0].message;
  assert.equal(f.performative, "failure");
  assert.equal(f.sender?.name, "ams@node1");
  assert.equal(f.in_reply_to, "r1");
  assert.equal(f.conversation_id, "c1");
  assert.match(String(f.content), /connection refused/);
});

Deno.test("end to end: a real listener standing in for JADE receives the message", async () => {
  const received: string[] = [];
  const jade = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const body = new Uint8Array(await req.arrayBuffer());
    const got = parseHttpMtpRequest(req.headers.get("content-type") ?? "", body);
    received.push(`${got.message.performative}:${got.receivers[0].name}:${got.message.content}`);
    return new Response(null, { status: 200 });
  });
  const { sendHttpMtp, defaultHttpMtpDeps } = await import("../../../runtime/mtp/mod.ts");
  const router = new MessageRouter("node1");
  const inflight = new Set<Promise<unknown>>();
  router.addRemote(mtpRoute({
    router,
    log: silentLogger,
    inflight,
    send: (msg, to) => sendHttpMtp(msg, to, defaultHttpMtpDeps()),
  }));
  try {
    await router.route(delivery({
      performative: "inform",
      sender: aid("alice@node1"),
      receivers: [aid("bob@jade", [`http://127.0.0.1:${jade.addr.port}/acc`])],
      content: "hello jade",
    }));
    await Promise.all([...inflight]);
    assert.deepEqual(received, ["inform:bob@jade:hello jade"]);
  } finally {
    await jade.shutdown();
  }
});

Deno.test("names leaving over the MTP are full names of the platform, never of a node", async () => {
  const router = new MessageRouter("edge");
  router.addAlias("node1");
  const sent: AclMessage[] = [];
  const inflight = new Set<Promise<unknown>>();
  router.addRemote(mtpRoute({
    router,
    log: silentLogger,
    inflight,
    send: (msg, to) => {
      sent.push(msg);
      return Promise.resolve({ ok: true, receiver: to, address: "", status: 200, attempts: [] });
    },
  }));
  await router.route(delivery({
    performative: "request",
    sender: aid("http-1234abcd@node1"),
    reply_to: [aid("client"), aid("other@jade")],
    receivers: [aid("bob@jade", ["http://jade:7778/acc"])],
  }));
  await Promise.all([...inflight]);
  assert.equal(sent[0].sender?.name, "http-1234abcd@edge");
  assert.deepEqual(sent[0].reply_to?.map((r) => r.name), ["client@edge", "other@jade"]);
});
