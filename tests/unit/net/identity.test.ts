import assert from "node:assert/strict";
import {
  loadOrCreateIdentity,
  NODE_KEY_FILE,
  peerIdOfPublicKey,
  publicKeyBytes,
  verify,
} from "../../../runtime/net/mod.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("the identity is created once, 0600, and read back the same", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await loadOrCreateIdentity(`${dir}/nested/data`);
    const info = await Deno.stat(`${dir}/nested/data/${NODE_KEY_FILE}`);
    assert.equal(info.mode! & 0o777, 0o600);
    const second = await loadOrCreateIdentity(`${dir}/nested/data/`);
    assert.equal(second.peerId, first.peerId);
    assert.deepEqual(second.publicKeyRaw, first.publicKeyRaw);
    assert.equal(first.publicKeyRaw.byteLength, 32);
    assert.equal(first.publicKeyBase64, first.publicKeyRaw.toBase64());
    assert.match(first.peerId, /^12D3KooW/);
    const entries = [...Deno.readDirSync(`${dir}/nested/data`)].map((e) => e.name);
    assert.deepEqual(entries, [NODE_KEY_FILE]); // no temp file left behind
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two nodes racing to create the key end with one identity", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ids = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateIdentity(dir)));
    assert.equal(new Set(ids.map((i) => i.peerId)).size, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a key file with loose permissions is tightened to 0600", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const id = await loadOrCreateIdentity(dir);
    await Deno.chmod(`${dir}/${NODE_KEY_FILE}`, 0o644);
    const again = await loadOrCreateIdentity(dir);
    assert.equal(again.peerId, id.peerId);
    assert.equal((await Deno.stat(`${dir}/${NODE_KEY_FILE}`)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a corrupt key file is an error and is never overwritten", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/${NODE_KEY_FILE}`, text("garbage"), { mode: 0o600 });
    await assert.rejects(loadOrCreateIdentity(dir), /node-key is not a libp2p private key/);
    assert.equal(await Deno.readTextFile(`${dir}/${NODE_KEY_FILE}`), "garbage");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("signatures verify with the raw or base64 public key and fail when tampered", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const id = await loadOrCreateIdentity(dir);
    const other = await loadOrCreateIdentity(`${dir}/other`);
    const msg = text("snapshot bytes");
    const sig = await id.sign(msg);
    assert.equal(sig.byteLength, 64);
    assert.equal(await verify(id.publicKeyRaw, sig, msg), true);
    assert.equal(await verify(id.publicKeyBase64, sig, msg), true);
    assert.equal(await verify(id.publicKeyRaw, sig, text("snapshot bytez")), false);
    assert.equal(await verify(other.publicKeyRaw, sig, msg), false);
    const flipped = sig.slice();
    flipped[10] ^= 1;
    assert.equal(await verify(id.publicKeyRaw, flipped, msg), false);
    assert.equal(await verify(id.publicKeyRaw, sig.subarray(0, 63), msg), false);
    // libp2p agrees with WebCrypto about the signature
    assert.equal(await id.privateKey.publicKey.verify(msg, sig), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a public key maps to its peer id; bad keys are named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const id = await loadOrCreateIdentity(dir);
    assert.equal(peerIdOfPublicKey(id.publicKeyBase64), id.peerId);
    assert.throws(() => publicKeyBytes(new Uint8Array(31)), /32 bytes, got 31/);
    assert.throws(() => publicKeyBytes("not base64!"), /"not base64!" is not base64/);
    await assert.rejects(verify(new Uint8Array(33), new Uint8Array(64), text("x")), /got 33/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
