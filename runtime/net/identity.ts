/**
 * The node's persistent Ed25519 identity: created on first start in
 * `<dataDir>/node-key` (mode 0600, the libp2p protobuf encoding of the private key), read
 * on every later start. The libp2p peer id derives from it, and the same key signs
 * migration snapshots; members' public keys travel as base64 of the raw 32 bytes.
 * @module
 */
import {
  generateKeyPair,
  privateKeyFromProtobuf,
  privateKeyToProtobuf,
  publicKeyFromRaw,
} from "@libp2p/crypto/keys";
import type { Ed25519PrivateKey } from "@libp2p/interface";
import { peerIdFromPrivateKey, peerIdFromPublicKey } from "@libp2p/peer-id";

/** File name of the node key inside the data directory. */
export const NODE_KEY_FILE = "node-key";

/** PKCS#8 prefix of an Ed25519 private key; the 32-byte seed follows it. */
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
]);

/** A node's key pair and what derives from it. */
export interface NodeIdentity {
  /** The libp2p private key (for `createLibp2p`). */
  readonly privateKey: Ed25519PrivateKey;
  /** The libp2p peer id, e.g. `12D3KooW...`. */
  readonly peerId: string;
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKeyRaw: Uint8Array;
  /** {@link publicKeyRaw} in base64, the form stored in the replicated directory. */
  readonly publicKeyBase64: string;
  /** Signs `bytes` with the node key (Ed25519, 64-byte signature). */
  sign(bytes: Uint8Array): Promise<Uint8Array>;
}

function keyPath(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, "")}/${NODE_KEY_FILE}`;
}

async function readKey(path: string): Promise<Ed25519PrivateKey | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  let key;
  try {
    key = privateKeyFromProtobuf(bytes);
  } catch (err) {
    throw new Error(`node key ${path} is not a libp2p private key: ${(err as Error).message}`);
  }
  if (key.type !== "Ed25519") {
    throw new Error(`node key ${path} is a ${key.type} key; an Ed25519 key is required`);
  }
  const info = await Deno.stat(path);
  if (info.mode !== null && (info.mode & 0o077) !== 0) await Deno.chmod(path, 0o600);
  return key;
}

/** Writes the key without ever exposing a partial file: temp file, then a no-clobber link. */
async function writeKeyOnce(path: string, key: Ed25519PrivateKey): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
  try {
    const bytes = privateKeyToProtobuf(key);
    let written = 0;
    while (written < bytes.byteLength) written += await file.write(bytes.subarray(written));
    await file.sync();
  } finally {
    file.close();
  }
  try {
    await Deno.link(tmp, path); // fails if another process created the key first
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
  } finally {
    await Deno.remove(tmp);
  }
}

/**
 * Loads the node identity from `<dataDir>/node-key`, creating the directory and the key on
 * first use. A key file that exists but cannot be read as an Ed25519 key is an error (it is
 * never overwritten).
 *
 * @example
 * ```ts
 * const id = await loadOrCreateIdentity("/var/lib/fipa-edge");
 * const sig = await id.sign(new TextEncoder().encode("snapshot"));
 * await verify(id.publicKeyRaw, sig, new TextEncoder().encode("snapshot")); // true
 * ```
 */
export async function loadOrCreateIdentity(dataDir: string): Promise<NodeIdentity> {
  const path = keyPath(dataDir);
  let key = await readKey(path);
  if (!key) {
    await Deno.mkdir(dataDir, { recursive: true });
    await writeKeyOnce(path, await generateKeyPair("Ed25519"));
    key = await readKey(path);
    if (!key) throw new Error(`node key ${path} vanished after it was written`);
  }
  return await identityFromKey(key);
}

/** Builds a {@link NodeIdentity} from a libp2p Ed25519 private key (e.g. for tests). */
export async function identityFromKey(key: Ed25519PrivateKey): Promise<NodeIdentity> {
  const seed = key.raw.subarray(0, 32);
  const pkcs8 = new Uint8Array(PKCS8_ED25519_PREFIX.byteLength + 32);
  pkcs8.set(PKCS8_ED25519_PREFIX);
  pkcs8.set(seed, PKCS8_ED25519_PREFIX.byteLength);
  const signingKey = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, [
    "sign",
  ]);
  pkcs8.fill(0);
  const publicKeyRaw = new Uint8Array(key.publicKey.raw);
  return {
    privateKey: key,
    peerId: peerIdFromPrivateKey(key).toString(),
    publicKeyRaw,
    publicKeyBase64: publicKeyRaw.toBase64(),
    async sign(bytes: Uint8Array): Promise<Uint8Array> {
      const sig = await crypto.subtle.sign({ name: "Ed25519" }, signingKey, bytes as BufferSource);
      return new Uint8Array(sig);
    },
  };
}

/** Decodes a public key given as raw 32 bytes or their base64; throws naming the bad value. */
export function publicKeyBytes(publicKey: Uint8Array | string): Uint8Array {
  let raw: Uint8Array;
  if (typeof publicKey === "string") {
    try {
      raw = Uint8Array.fromBase64(publicKey);
    } catch {
      throw new TypeError(`public key "${publicKey.slice(0, 64)}" is not base64`);
    }
  } else {
    raw = publicKey;
  }
  if (raw.byteLength !== 32) {
    throw new TypeError(`an Ed25519 public key has 32 bytes, got ${raw.byteLength}`);
  }
  return raw;
}

/**
 * Verifies an Ed25519 signature made by {@link NodeIdentity.sign}. Returns false for a bad
 * signature; throws only when `publicKey` is not a 32-byte key (raw or base64).
 */
export async function verify(
  publicKey: Uint8Array | string,
  signature: Uint8Array,
  bytes: Uint8Array,
): Promise<boolean> {
  const raw = publicKeyBytes(publicKey);
  if (signature.byteLength !== 64) return false;
  const key = await crypto.subtle.importKey(
    "raw",
    raw as BufferSource,
    { name: "Ed25519" },
    false,
    [
      "verify",
    ],
  );
  return await crypto.subtle.verify(
    { name: "Ed25519" },
    key,
    signature as BufferSource,
    bytes as BufferSource,
  );
}

/** The libp2p peer id that belongs to a raw (or base64) Ed25519 public key. */
export function peerIdOfPublicKey(publicKey: Uint8Array | string): string {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKeyBytes(publicKey))).toString();
}
