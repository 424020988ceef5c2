import assert from "node:assert/strict";
import { type AclMessage, type AgentIdentifier, aid } from "../../../runtime/acl/mod.ts";
import { createApp } from "../../../runtime/http/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { apDescription, buildHttpMtpRequest } from "../../../runtime/mtp/mod.ts";
import { MessageRouter } from "../../../runtime/routing/mod.ts";
import { CORPUS } from "../../support/corpus.ts";

function setup() {
  const got: { message: AclMessage; receivers: AgentIdentifier[] }[] = [];
  const app = createApp({
    node: "node1",
    router: new MessageRouter("node1"),
    log: silentLogger,
    maxBodyBytes: 1 << 20,
    adminTokens: ["admin-token-0123456789"],
    readTokens: [],
    acc: {
      acceptForeign: (message, receivers) => {
        got.push({ message, receivers });
        return Promise.resolve();
      },
      platform: () => apDescription({ name: "node1", mtpAddresses: ["http://edge:8080/acc"] }),
    },
  });
  return { app, got };
}

Deno.test("POST /acc accepts a FIPA HTTP MTP request without a token; the envelope picks receivers", async () => {
  const { app, got } = setup();
  const msg: AclMessage = {
    performative: "request",
    sender: aid("jade-agent@remote:1099/JADE", ["http://remote:7778/acc"]),
    receivers: [aid("someone-else@node1")],
    content: "(ping)",
    protocol: "fipa-request",
    conversation_id: "c1",
  };
  const req = buildHttpMtpRequest(msg, aid("echo@node1", ["http://edge:8080/acc"]), {
    date: new Date("2026-11-21T10:00:00Z"),
    boundary: "b0undary",
  });
  const res = await app.request("/acc", { method: "POST", headers: req.headers, body: req.body });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "");
  assert.equal(got.length, 1);
  assert.deepEqual(got[0].receivers.map((r) => r.name), ["echo@node1"]);
  assert.equal(got[0].message.content, "(ping)");
  assert.equal(got[0].message.sender?.name, "jade-agent@remote:1099/JADE");
});

Deno.test("POST /acc takes the JADE envelope of the corpus with a JADE message", async () => {
  const { app, got } = setup();
  const envelope = await Deno.readTextFile(new URL("http-mtp/awap-jade-envelope.xml", CORPUS));
  const acl = await Deno.readFile(
    new URL("acl-string/valid/awap-jade-request-get-description.acl", CORPUS),
  );
  const enc = new TextEncoder();
  const parts = [
    enc.encode(
      "This is not part of the MIME multipart encoded message.\r\n--B\r\nContent-Type: application/xml\r\n\r\n",
    ),
    enc.encode(envelope),
    enc.encode("\r\n--B\r\nContent-Type: application/text\r\n\r\n"),
    acl,
    enc.encode("\r\n--B--\r\n"),
  ];
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) body.set(p, (o += p.length) - p.length);
  const res = await app.request("/acc", {
    method: "POST",
    headers: { "content-type": 'multipart/mixed ; boundary="B"' },
    body,
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(got.length, 1);
  assert.equal(got[0].message.performative, "request");
  assert.ok(got[0].receivers.length >= 1);
});

Deno.test("POST /acc refuses malformed requests with 4xx, never 5xx", async () => {
  const { app, got } = setup();
  const cases: [string, string, number][] = [
    ["text/plain", "hello", 415],
    [
      "multipart/mixed; boundary=x",
      "--x\r\nContent-Type: application/xml\r\n\r\n<envelope>\r\n--x--",
      400,
    ],
    ["multipart/mixed", "no boundary", 400],
  ];
  for (const [type, body, status] of cases) {
    const res = await app.request("/acc", {
      method: "POST",
      headers: { "content-type": type },
      body,
    });
    assert.equal(res.status, status, `${type}: ${await res.clone().text()}`);
    await res.body?.cancel();
  }
  assert.equal(got.length, 0);
});

Deno.test("GET /api/v1/platform describes the platform (token required there)", async () => {
  const { app } = setup();
  const denied = await app.request("/api/v1/platform");
  assert.equal(denied.status, 401);
  await denied.body?.cancel();
  const res = await app.request("/api/v1/platform", {
    headers: { authorization: "Bearer admin-token-0123456789" },
  });
  const d = await res.json();
  assert.equal(d.name, "node1");
  assert.deepEqual(d.ap_services[0].addresses, ["http://edge:8080/acc"]);
});

Deno.test("POST /acc refuses a foreign message that claims to come from this platform's AMS or DF", async () => {
  const { app, got } = setup();
  for (const sender of ["ams@node1", "df@node1", "ams"]) {
    const req = buildHttpMtpRequest(
      { performative: "inform", sender: aid(sender), receivers: [aid("echo@node1")], content: "x" },
      aid("echo@node1", ["http://edge:8080/acc"]),
      { date: new Date("2026-11-21T10:00:00Z"), boundary: "b0undary" },
    );
    const res = await app.request("/acc", { method: "POST", headers: req.headers, body: req.body });
    assert.equal(res.status, 403, sender);
    assert.match(await res.text(), new RegExp(`Sender '${sender}' is refused`));
  }
  assert.equal(got.length, 0, "nothing accepted");
  // Another platform's own AMS is fine.
  const req = buildHttpMtpRequest(
    { performative: "failure", sender: aid("ams@remote"), receivers: [aid("echo@node1")] },
    aid("echo@node1", ["http://edge:8080/acc"]),
    { date: new Date("2026-11-21T10:00:00Z"), boundary: "b0undary" },
  );
  const res = await app.request("/acc", { method: "POST", headers: req.headers, body: req.body });
  assert.equal(res.status, 200, await res.text());
});
