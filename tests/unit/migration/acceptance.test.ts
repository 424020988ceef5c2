// Which sealed snapshots a node accepts: signed by a member whose key the directory holds,
// sent by that member, intact, meant for this node, and never seen before.
import assert from "node:assert/strict";
import { generateKeyPair } from "@libp2p/crypto/keys";
import {
  encodeSeal,
  encodeSnapshot,
  gzip,
  judgeSeal,
  NonceStore,
  openSnapshot,
  parseSeal,
  sealSnapshot,
  sha256,
  SnapshotRefused,
} from "../../../runtime/migration/mod.ts";
import { identityFromKey, type NodeIdentity } from "../../../runtime/net/mod.ts";
import { sampleSnapshot } from "./fixtures.ts";

async function identity(): Promise<NodeIdentity> {
  return await identityFromKey(await generateKeyPair("Ed25519"));
}

async function refused(p: Promise<unknown>, reason: string, code = "FORBIDDEN") {
  await assert.rejects(p, (e: Error) => {
    assert.ok(e instanceof SnapshotRefused, `expected a refusal, got ${e}`);
    assert.equal(e.reason, reason, e.message);
    assert.equal(e.code, code);
    assert.match(e.message, new RegExp(reason));
    return true;
  });
}

Deno.test("a member's intact snapshot opens once; forged, tampered and replayed ones are refused", async () => {
  const na = await identity();
  const stranger = await identity();
  const keys: Record<string, string> = { na: na.publicKeyBase64 };
  const keyOf = (n: string) => keys[n];
  const raw = encodeSnapshot(sampleSnapshot());
  const sealed = await sealSnapshot(raw, { id: "na", sign: na.sign });
  const kv = await Deno.openKv(":memory:");
  try {
    const nonces = new NonceStore(kv);
    const opts = { keyOf, peer: na.peerId, maxBytes: 1 << 24, self: "nb", nonces };

    const s = await openSnapshot(sealed, opts);
    assert.equal(s.record.name, "counter");
    assert.equal(s.meta.source, "na");
    // The same bytes again: a replay.
    await refused(openSnapshot(sealed, opts), "replayed");
    // ... even after a restart (the nonce is in KV).
    await refused(openSnapshot(sealed, { ...opts, nonces: new NonceStore(kv) }), "replayed");

    const fresh = { ...opts, nonces: undefined };
    // Unsigned: the bare snapshot, or merely compressed.
    await refused(openSnapshot(raw, fresh), "unsigned");
    await refused(openSnapshot(await gzip(raw), fresh), "unsigned");
    await refused(
      openSnapshot(new TextEncoder().encode("not a snapshot"), fresh),
      "malformed",
      "INVALID_REQUEST",
    );

    // Tampered: one byte of the compressed body.
    const t = sealed.slice();
    t[t.length - 10] ^= 0xff;
    await refused(openSnapshot(t, fresh), "hash-mismatch");
    // Tampered with the digest fixed up: the signature no longer matches.
    const seal = parseSeal(sealed);
    const body = await gzip(
      encodeSnapshot(sampleSnapshot({ storage: [["stolen", new Uint8Array([9])]] })),
    );
    const fixed = encodeSeal({ ...seal, body, digest: await sha256(body) });
    await refused(openSnapshot(fixed, fresh), "bad-signature");

    // Foreign-signed: a stranger's key under a member's name, or under its own.
    const forged = await sealSnapshot(raw, { id: "na", sign: stranger.sign });
    await refused(openSnapshot(forged, fresh), "bad-signature");
    const foreign = await sealSnapshot(raw, { id: "intruder", sign: stranger.sign });
    await refused(openSnapshot(foreign, fresh), "unknown-signer");
    // A member's genuine snapshot relayed by another peer.
    await refused(openSnapshot(sealed, { ...fresh, peer: stranger.peerId }), "signer-not-peer");
    // Meant for another node.
    await refused(openSnapshot(sealed, { ...fresh, self: "nc" }), "wrong-target");
    // Signed by a member other than the one that took it.
    keys.nx = stranger.publicKeyBase64;
    const relabelled = await sealSnapshot(raw, { id: "nx", sign: stranger.sign });
    await refused(
      openSnapshot(relabelled, { ...fresh, peer: stranger.peerId }),
      "malformed",
      "INVALID_REQUEST",
    );
    // Bigger than allowed once decompressed.
    await refused(
      openSnapshot(sealed, { ...fresh, maxBytes: 1000 }),
      "too-large",
      "INVALID_REQUEST",
    );
  } finally {
    kv.close();
  }
});

Deno.test("the acceptance rule checks membership, sender, digest, then signature", () => {
  const ok = {
    signer: "na",
    signerKey: "k",
    fromSigner: true,
    digestMatches: true,
    signatureValid: true,
  };
  assert.equal(judgeSeal(ok), undefined);
  assert.equal(judgeSeal({ ...ok, fromSigner: undefined }), undefined);
  assert.equal(
    judgeSeal({ ...ok, signerKey: undefined, digestMatches: false })?.reason,
    "unknown-signer",
  );
  assert.equal(
    judgeSeal({ ...ok, fromSigner: false, digestMatches: false })?.reason,
    "signer-not-peer",
  );
  assert.equal(
    judgeSeal({ ...ok, digestMatches: false, signatureValid: false })?.reason,
    "hash-mismatch",
  );
  assert.equal(judgeSeal({ ...ok, signatureValid: false })?.reason, "bad-signature");
});
