/**
 * Senders an HTTP caller cannot forge, on real nodes with the sample agent `echo` hosted:
 * platform agents and hosted agents are refused for every caller (and on an open node), a
 * token may use only the names its scopes allow (default: one derived from its subject).
 */
import assert from "node:assert/strict";
import { tokenSubject } from "../../runtime/security/mod.ts";
import { spawnNode } from "../support/node-process.ts";

const ADMIN = "senders-admin-token-0123456789";
const PLAIN = "senders-plain-sender-0123456789";
const SCOPED = "senders-scoped-sender-0123456789";

async function send(url: string, sender: string | undefined, token?: string, path = "") {
  const res = await fetch(`${url}/api/v1/messages${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({
      performative: "request",
      ...(sender === undefined ? {} : { sender }),
      receiver: "echo",
      content: { action: "ping" },
    }),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("a token names only the senders it allows; platform and hosted agents never", async () => {
  const node = await spawnNode(
    [
      "--admin-token",
      ADMIN,
      "--api-token",
      `sender=${PLAIN}`,
      "--api-token",
      `sender[as:client-*]=${SCOPED}`,
    ],
    {},
    { sampleAgents: true },
  );
  try {
    const forbidden = [
      ["ams", "platform agent"],
      ["ams@node1", "platform agent"],
      ["df@node1", "platform agent"],
      ["echo", "hosted agent"],
      ["echo@node1", "hosted agent"],
    ];
    for (const token of [ADMIN, PLAIN, SCOPED]) {
      for (const [sender, reason] of forbidden) {
        const r = await send(node.url, sender, token);
        assert.equal(r.status, 403, `${sender}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, "FORBIDDEN");
        assert.equal(r.body.error.details.sender, sender);
        assert.equal(r.body.error.details.reason, reason);
        assert.match(r.body.error.message, new RegExp(`Sender '${sender}'`));
      }
    }
    // Not one of the token's names.
    const other = await send(node.url, "client", PLAIN);
    assert.equal(other.status, 403);
    assert.equal(other.body.error.details.reason, "not allowed for this token");
    assert.deepEqual(other.body.error.details.allowed, [tokenSubject(PLAIN)]);
    // The default: the name derived from the token's subject.
    assert.equal((await send(node.url, tokenSubject(PLAIN), PLAIN)).status, 200);
    // as: scopes.
    assert.equal((await send(node.url, "client-7", SCOPED)).status, 200);
    assert.equal((await send(node.url, "client-7@node1", SCOPED)).status, 200);
    assert.equal((await send(node.url, "someone", SCOPED)).status, 403);
    // An admin may name any other sender; no sender is always fine.
    assert.equal((await send(node.url, "operator", ADMIN)).status, 200);
    assert.equal((await send(node.url, undefined, PLAIN)).status, 200);
    // send-and-wait: its temporary sender needs no permission; a named one does.
    const waited = await send(node.url, undefined, PLAIN, "/send-and-wait?timeout_ms=10000");
    assert.equal(waited.status, 200, JSON.stringify(waited.body));
    assert.equal((await send(node.url, "echo", ADMIN, "/send-and-wait")).status, 403);
  } finally {
    await node.stop();
  }
});

Deno.test("an open node keeps any sender but platform and hosted agents'", async () => {
  const node = await spawnNode([], {}, { sampleAgents: true });
  try {
    assert.equal((await send(node.url, "client")).status, 200);
    assert.equal((await send(node.url, "client@elsewhere")).status, 200);
    for (const sender of ["ams", "df", "echo", "echo@node1"]) {
      const r = await send(node.url, sender);
      assert.equal(r.status, 403, sender);
      assert.equal(r.body.error.details.sender, sender);
    }
  } finally {
    await node.stop();
  }
});
