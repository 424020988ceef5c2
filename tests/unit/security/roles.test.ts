import assert from "node:assert/strict";
import {
  matchesPattern,
  parseTokenSpec,
  permits,
  type Principal,
  StaticTokens,
} from "../../../runtime/security/mod.ts";
import { loadConfig } from "../../../runtime/config/mod.ts";

const principal = (roles: Principal["roles"], scopes: string[] = []): Principal => ({
  subject: "s",
  via: "static",
  roles,
  scopes: scopes.map((s) => {
    const [kind, pattern] = s.split(/:(.*)/s);
    return { kind: kind as "send", pattern };
  }),
});

Deno.test("roles grant actions; scopes narrow them to agent names", () => {
  assert.ok(permits(principal(["reader"]), "read").ok);
  assert.equal(permits(principal(["reader"]), "send").ok, false);
  assert.ok(permits(principal(["sender"]), "send", "anyone").ok, "no scope: not narrowed");
  assert.ok(permits(principal(["deployer"]), "deploy", "x").ok);
  assert.equal(permits(principal(["deployer"]), "admin").ok, false);
  assert.ok(permits(principal(["admin"]), "admin").ok);
  const scoped = principal(["sender", "deployer"], ["send:billing-*", "deploy:team-a-*"]);
  assert.ok(permits(scoped, "send", "billing-eu").ok);
  assert.ok(permits(scoped, "send", "billing-eu@node1").ok, "local part matches");
  const refused = permits(scoped, "send", "echo");
  assert.deepEqual(refused.ok ? undefined : refused.reason, "scope");
  assert.match(refused.ok ? "" : refused.message, /billing-\*.*'echo'/);
  assert.ok(permits(scoped, "deploy", "team-a-web").ok);
  assert.equal(permits(scoped, "deploy", "team-b-web").ok, false);
  assert.ok(permits(scoped, "read", "anything").ok, "read is not narrowed by send scopes");
});

Deno.test("glob patterns match whole names, with @ the full name", () => {
  assert.ok(matchesPattern("*", "x@y"));
  assert.ok(matchesPattern("a.b-*", "a.b-c"));
  assert.equal(matchesPattern("a.b", "aXb"), false, "dots are literal");
  assert.equal(matchesPattern("bill", "billing"), false);
  assert.ok(matchesPattern("*@node1", "echo@node1"));
  assert.equal(matchesPattern("*@node1", "echo@node2"), false);
});

Deno.test("token specs: role, scopes, and errors that never show the token", () => {
  const g = parseTokenSpec("deployer[deploy:team-a-* read:*]=s3cret-0123456789abcdef");
  assert.equal(g.role, "deployer");
  assert.deepEqual(g.scopes, [{ kind: "deploy", pattern: "team-a-*" }, {
    kind: "read",
    pattern: "*",
  }]);
  assert.equal(parseTokenSpec("reader=s3cret-0123456789abcdef").scopes.length, 0);
  assert.throws(() => parseTokenSpec("root=s3cret-0123456789abcdef"), /role 'root' is not one/);
  assert.throws(() => parseTokenSpec("sender[fly:x]=s3cret-0123456789abcdef"), /scope 'fly:x'/);
  assert.throws(() => parseTokenSpec("sender=short"), /at least 16/);
  assert.throws(
    () => loadConfig(["--api-token", "root=s3cret-0123456789abcdef"], () => undefined),
    (e: Error) => !e.message.includes("s3cret") && /flag --api-token/.test(e.message),
  );
});

Deno.test("static tokens: legacy and scoped settings from flags, variables, files and config", () => {
  const files: Record<string, string> = {
    "/t": "# comment\nreader=file-token-0123456789ab\n",
    "/c": JSON.stringify({
      apiTokens: [{ token: "config-token-0123456789", role: "sender", scopes: ["as:client-*"] }],
    }),
  };
  const r = loadConfig(
    ["--config", "/c", "--api-token-file", "/t"],
    (k) => k === "FIPA_EDGE_API_TOKEN" ? "deployer[deploy:a-*]=env-token-0123456789abc" : undefined,
    (p) => files[p],
  );
  assert.ok(!r.help);
  const tokens = new StaticTokens(r.config.apiTokens);
  assert.equal(tokens.lookup("file-token-0123456789ab")?.roles[0], "reader");
  assert.equal(tokens.lookup("env-token-0123456789abc")?.scopes[0].pattern, "a-*");
  assert.equal(tokens.lookup("config-token-0123456789"), undefined, "variables win over the file");
  assert.equal(tokens.lookup("nope-nope-nope-nope"), undefined);
  assert.match(tokens.lookup("file-token-0123456789ab")!.subject, /^token-[0-9a-f]{12}$/);
});
