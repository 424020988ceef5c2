/**
 * JWT bearer tokens with keys generated here (RS256, ES256, EdDSA), the JWKS served by a real
 * local HTTP server: expiry, not-before, audience, issuer, key rotation (an unknown `kid`
 * refetches the JWKS, at most once per cooldown), and reasons that show no key material.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { type JwtOptions, JwtVerifier } from "../../../runtime/security/mod.ts";
import { createApp } from "../../../runtime/http/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { MessageRouter } from "../../../runtime/routing/mod.ts";

type Alg = "RS256" | "ES256" | "EdDSA";

async function keyPair(alg: Alg, kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}),
  });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { alg, kid, privateKey, jwk };
}
type Key = Awaited<ReturnType<typeof keyPair>>;

/** A JWKS server whose key list the test changes; counts fetches. */
function jwksServer(keys: JWK[]) {
  let fetches = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, () => {
    fetches++;
    return Response.json({ keys });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/jwks.json`,
    keys,
    get fetches() {
      return fetches;
    },
    close: () => server.shutdown(),
  };
}

const NOW = Math.floor(Date.now() / 1000);

function sign(key: Key, claims: Record<string, unknown> = {}, opts: {
  iat?: number;
  exp?: number;
  nbf?: number;
  aud?: string;
  iss?: string;
  sub?: string;
} = {}) {
  const jwt = new SignJWT({ roles: ["sender"], ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setSubject(opts.sub ?? "alice")
    .setIssuer(opts.iss ?? "https://issuer.test")
    .setAudience(opts.aud ?? "fipa-edge")
    .setIssuedAt(opts.iat ?? NOW)
    .setExpirationTime(opts.exp ?? NOW + 600);
  if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
  return jwt.sign(key.privateKey);
}

function verifier(over: Partial<JwtOptions>): JwtVerifier {
  return new JwtVerifier({
    issuer: "https://issuer.test",
    audience: "fipa-edge",
    clockSkewSeconds: 30,
    jwksCooldownSeconds: 0,
    claims: { roles: "roles", scopes: "scope", sender: "fipa_sender" },
    ...over,
  });
}

Deno.test("RS256, ES256 and EdDSA tokens verify against a JWKS URL; claims become a principal", async () => {
  const keys = await Promise.all([
    keyPair("RS256", "rsa-1"),
    keyPair("ES256", "ec-1"),
    keyPair("EdDSA", "ed-1"),
  ]);
  const jwks = jwksServer(keys.map((k) => k.jwk));
  try {
    const v = verifier({ jwksUrl: jwks.url });
    for (const k of keys) {
      const r = await v.verify(
        await sign(k, {
          roles: ["deployer", "nonsense"],
          scope: "openid deploy:team-a-* as:alice-*",
          fipa_sender: ["alice-bot"],
        }),
      );
      assert.ok(r.ok, `${k.alg}: ${JSON.stringify(r)}`);
      assert.equal(r.principal.subject, "alice");
      assert.deepEqual(r.principal.roles, ["deployer"]);
      assert.deepEqual(r.principal.scopes, [
        { kind: "deploy", pattern: "team-a-*" },
        { kind: "as", pattern: "alice-*" },
      ]);
      assert.deepEqual(r.principal.senders, ["alice-bot"]);
    }
    assert.equal(jwks.fetches, 1, "the JWKS is fetched once and cached");
  } finally {
    await jwks.close();
  }
});

Deno.test("expired, not yet valid, wrong audience or issuer, bad signature: refused with a reason", async () => {
  const key = await keyPair("ES256", "ec-1");
  const other = await keyPair("ES256", "ec-1");
  const jwks = jwksServer([key.jwk]);
  try {
    const v = verifier({ jwksUrl: jwks.url });
    const reason = async (token: string) => {
      const r = await v.verify(token);
      return r.ok ? "ok" : r.reason;
    };
    assert.equal(await reason(await sign(key, {}, { exp: NOW - 60, iat: NOW - 600 })), "expired");
    assert.equal(await reason(await sign(key, {}, { exp: NOW - 10 })), "ok", "within the skew");
    assert.equal(await reason(await sign(key, {}, { nbf: NOW + 300 })), "not yet valid");
    assert.equal(await reason(await sign(key, {}, { nbf: NOW + 10 })), "ok", "within the skew");
    assert.equal(await reason(await sign(key, {}, { aud: "someone-else" })), "wrong audience");
    assert.equal(await reason(await sign(key, {}, { iss: "https://evil.test" })), "wrong issuer");
    assert.equal(await reason(await sign(other)), "bad signature");
    const hs = await new SignJWT({}).setProtectedHeader({ alg: "HS256", kid: "ec-1" })
      .setAudience("fipa-edge").setIssuer("https://issuer.test").setExpirationTime(NOW + 60)
      .sign(new TextEncoder().encode("a-shared-secret-of-32-bytes-long!"));
    assert.equal(await reason(hs), "algorithm not allowed");
    assert.equal(await reason("eyJhbGci.bm9wZQ.c2ln"), "malformed");
  } finally {
    await jwks.close();
  }
});

Deno.test("an unknown kid refetches the JWKS (key rotation), at most once per cooldown", async () => {
  const first = await keyPair("RS256", "2026-01");
  const rotated = await keyPair("EdDSA", "2026-02");
  const jwks = jwksServer([first.jwk]);
  try {
    const v = verifier({ jwksUrl: jwks.url, jwksCooldownSeconds: 3600 });
    assert.ok((await v.verify(await sign(first))).ok);
    assert.equal(jwks.fetches, 1);
    // Not published yet: the cooldown keeps the unknown kid from refetching.
    const early = await v.verify(await sign(rotated));
    assert.deepEqual(early, { ok: false, reason: "unknown key id" });
    assert.equal(jwks.fetches, 1, "no refetch inside the cooldown");

    const eager = verifier({ jwksUrl: jwks.url, jwksCooldownSeconds: 0 });
    assert.ok((await eager.verify(await sign(first))).ok);
    const before = jwks.fetches;
    assert.deepEqual(await eager.verify(await sign(rotated)), {
      ok: false,
      reason: "unknown key id",
    });
    assert.equal(jwks.fetches, before + 1, "an unknown kid refetched once");
    jwks.keys.push(rotated.jwk);
    const after = await eager.verify(await sign(rotated));
    assert.ok(after.ok, "the rotated key is found after a refetch");
    assert.ok((await eager.verify(await sign(first))).ok, "the old key still verifies");
  } finally {
    await jwks.close();
  }
});

Deno.test("a JWKS file is read once and reread for an unknown kid", async () => {
  const a = await keyPair("ES256", "a");
  const b = await keyPair("EdDSA", "b");
  let content = JSON.stringify({ keys: [a.jwk] });
  let reads = 0;
  let now = 1_000_000;
  const v = verifier({
    jwksFile: "/keys.json",
    jwksCooldownSeconds: 60,
    readFile: () => {
      reads++;
      return Promise.resolve(content);
    },
    now: () => now,
  });
  // The verifier's clock drives exp/nbf too: sign relative to it.
  const at = Math.floor(now / 1000);
  const opts = { iat: at, exp: at + 600 };
  assert.ok((await v.verify(await sign(a, {}, opts))).ok);
  content = JSON.stringify({ keys: [a.jwk, b.jwk] });
  assert.deepEqual(await v.verify(await sign(b, {}, opts)), {
    ok: false,
    reason: "unknown key id",
  });
  assert.equal(reads, 1, "inside the cooldown: not reread");
  now += 61_000;
  const late = Math.floor(now / 1000);
  const shortLived = await sign(b, {}, { iat: late, exp: late + 5 });
  assert.ok((await v.verify(shortLived)).ok);
  assert.equal(reads, 2);
  assert.ok((await v.verify(shortLived)).ok, "remembered");
  // A remembered token is not accepted past its exp (plus the skew, 30 s).
  now += 40_000;
  assert.deepEqual(await v.verify(shortLived), { ok: false, reason: "expired" });
});

Deno.test("over HTTP: a JWT's role decides, a bad one is 401 with a reason and no key material", async () => {
  const key = await keyPair("RS256", "rsa-1");
  const jwks = jwksServer([key.jwk]);
  try {
    const router = new MessageRouter("node1");
    router.register("echo", { deliver: () => {} });
    const app = createApp({
      node: "node1",
      router,
      log: silentLogger,
      maxBodyBytes: 1 << 16,
      jwt: verifier({ jwksUrl: jwks.url }),
    });
    const send = (token: string) =>
      app.request("/api/v1/messages", {
        method: "POST",
        body: JSON.stringify({ performative: "inform", receiver: "echo", content: "x" }),
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      });
    const ok = await send(await sign(key));
    assert.equal(ok.status, 200, await ok.clone().text());
    await ok.body?.cancel();
    const reader = await send(await sign(key, { roles: ["reader"] }));
    assert.equal(reader.status, 403);
    assert.equal((await reader.json()).error.details.reason, "role");
    const expired = await send(await sign(key, {}, { exp: NOW - 120, iat: NOW - 600 }));
    assert.equal(expired.status, 401);
    assert.match(expired.headers.get("www-authenticate") ?? "", /invalid_token/);
    const text = await expired.text();
    const body = JSON.parse(text);
    assert.equal(body.error.code, "UNAUTHORIZED");
    assert.equal(body.error.details.reason, "expired");
    for (const secret of [key.jwk.n!, key.jwk.e!, "rsa-1"]) {
      assert.ok(!text.includes(secret), "no key material in the answer");
    }
    const none = await app.request("/api/v1/agents");
    assert.equal(none.status, 401);
    assert.equal((await none.json()).error.details.reason, "missing");
  } finally {
    await jwks.close();
  }
});
