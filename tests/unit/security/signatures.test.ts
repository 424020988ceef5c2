import assert from "node:assert/strict";
import {
  newPublisherKeys,
  parsePublisherKey,
  parseSigningKey,
  signComponent,
  TrustedPublishers,
} from "../../../runtime/security/mod.ts";
import { trustedPublishers } from "../../../runtime/node/publishers.ts";
import { loadConfig } from "../../../runtime/config/mod.ts";

const bytes = new TextEncoder().encode("\0asm a component");

Deno.test("a detached Ed25519 signature over the SHA-256 verifies with the trusted key only", async () => {
  const a = await newPublisherKeys();
  const b = await newPublisherKeys();
  const pub = await parsePublisherKey(a.publicPem);
  assert.equal(pub.keyId, a.keyId);
  const signer = await parseSigningKey(a.privatePem);
  assert.equal(signer.keyId, a.keyId, "the key id is the public key's");
  const signature = await signComponent(bytes, signer.key);
  const trusted = new TrustedPublishers([pub], true);
  assert.deepEqual(await trusted.verify({ bytes, signature, keyId: a.keyId }), {
    ok: true,
    keyId: a.keyId,
  });
  const changed = bytes.slice();
  changed[5] ^= 0x20;
  assert.equal((await trusted.verify({ bytes: changed, signature, keyId: a.keyId })).ok, false);
  const other = await signComponent(bytes, (await parseSigningKey(b.privatePem)).key);
  const r = await trusted.verify({ bytes, signature: other, keyId: b.keyId });
  assert.deepEqual(r, { ok: false, reason: "untrusted key", keyId: b.keyId });
  const lied = await trusted.verify({ bytes, signature: other, keyId: a.keyId });
  assert.deepEqual(lied, { ok: false, reason: "bad signature", keyId: a.keyId });
  assert.deepEqual(await trusted.verify({ bytes }), { ok: false, reason: "unsigned" });
  assert.deepEqual(await new TrustedPublishers([pub], false).verify({ bytes }), { ok: true });
  assert.equal((await trusted.verify({ bytes, signature: "!!", keyId: a.keyId })).ok, false);
});

Deno.test("trusted publisher keys: inline PEM or base64, files of several, clear errors", async () => {
  const a = await newPublisherKeys();
  const b = await newPublisherKeys();
  const raw = (await parseSigningKey(b.privatePem)).keyId;
  const rawB64 = btoa(
    String.fromCharCode(
      ...new Uint8Array(
        await crypto.subtle.exportKey("raw", (await parsePublisherKey(b.publicPem)).key),
      ),
    ),
  );
  const files: Record<string, string> = { "/keys.pem": a.publicPem + b.publicPem };
  const read = (p: string) =>
    p in files ? Promise.resolve(files[p]) : Promise.reject(new Error("No such file"));
  const fromFile = await trustedPublishers({
    trustedPublisherKeys: ["/keys.pem"],
    requireSignedAgents: "on",
  }, read);
  assert.deepEqual(fromFile?.keyIds, [a.keyId, b.keyId]);
  const inline = await trustedPublishers({
    trustedPublisherKeys: [rawB64],
    requireSignedAgents: "off",
  }, read);
  assert.deepEqual(inline?.keyIds, [raw]);
  await assert.rejects(
    trustedPublishers({ trustedPublisherKeys: ["/nope.pem"], requireSignedAgents: "off" }, read),
    /'\/nope.pem' is neither an Ed25519 public key nor a readable file/,
  );
  await assert.rejects(
    trustedPublishers({ trustedPublisherKeys: [], requireSignedAgents: "on" }, read),
    /needs at least one --trusted-publisher-key/,
  );
  assert.equal(
    await trustedPublishers({ trustedPublisherKeys: [], requireSignedAgents: "off" }, read),
    undefined,
  );
});

Deno.test("--require-signed-agents is a switch; its variable and key take on/off", () => {
  const none = () => undefined;
  const on = loadConfig(["--require-signed-agents"], none);
  assert.ok(!on.help && on.config.requireSignedAgents === "on");
  const env = loadConfig([], (k) => k === "FIPA_EDGE_REQUIRE_SIGNED_AGENTS" ? "off" : undefined);
  assert.ok(!env.help && env.config.requireSignedAgents === "off");
  const file = loadConfig(["--config", "/c"], none, () => '{"requireSignedAgents": true}');
  assert.ok(!file.help && file.config.requireSignedAgents === "on");
  assert.throws(
    () => loadConfig([], (k) => k === "FIPA_EDGE_REQUIRE_SIGNED_AGENTS" ? "maybe" : undefined),
    /FIPA_EDGE_REQUIRE_SIGNED_AGENTS/,
  );
});
