import assert from "node:assert/strict";
import {
  allowedSenders,
  checkSender,
  OPEN_PRINCIPAL,
  type Principal,
  senderFromSubject,
} from "../../../runtime/security/mod.ts";

const hosted = (n: string) => n.split("@")[0] === "echo";
const jwt = (over: Partial<Principal> = {}): Principal => ({
  subject: "alice@example.com",
  via: "jwt",
  roles: ["sender"],
  scopes: [],
  ...over,
});

Deno.test("a token's senders: its sender claim and as: scopes, else a name from its subject", () => {
  assert.equal(senderFromSubject("alice@example.com"), "alice-example.com");
  assert.equal(senderFromSubject("--x y"), "x-y");
  assert.equal(senderFromSubject("@@@"), "caller");
  assert.deepEqual(allowedSenders(jwt()), ["alice-example.com"]);
  assert.ok(checkSender(jwt(), "alice-example.com", hosted).ok);
  const claimed = jwt({ senders: ["billing-client"], scopes: [{ kind: "as", pattern: "ops-*" }] });
  assert.deepEqual(allowedSenders(claimed), ["ops-*", "billing-client"]);
  assert.ok(checkSender(claimed, "billing-client", hosted).ok);
  assert.ok(checkSender(claimed, "ops-7", hosted).ok);
  const refused = checkSender(claimed, "alice-example.com", hosted);
  assert.deepEqual(refused, {
    ok: false,
    reason: "not allowed for this token",
    allowed: ["ops-*", "billing-client"],
  });
  assert.equal(allowedSenders(jwt({ roles: ["admin"] })), "any");
});

Deno.test("platform agents and hosted agents are refused for everyone, the open API too", () => {
  for (
    const p of [
      OPEN_PRINCIPAL,
      jwt({ roles: ["admin"] }),
      jwt({ scopes: [{ kind: "as", pattern: "*" }] }),
    ]
  ) {
    for (const s of ["ams", "df@node1", "ams@elsewhere"]) {
      assert.deepEqual(checkSender(p, s, hosted).ok ? "" : "platform agent", "platform agent", s);
    }
    const h = checkSender(p, "echo@node1", hosted);
    assert.equal(h.ok ? undefined : h.reason, "hosted agent");
  }
  assert.ok(checkSender(OPEN_PRINCIPAL, "client", hosted).ok);
});
