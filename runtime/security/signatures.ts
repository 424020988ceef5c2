import { decodeBase64, encodeBase64 } from "./base64.ts";

/**
 * Signed agent packages: a detached Ed25519 signature over the SHA-256 of a component, made
 * by a publisher whose public key the node trusts. The key id is derived from the public key
 * (`ed25519:` + 16 hex digits of its SHA-256), so a signer cannot claim another's id.
 * @module
 */

/** A trusted publisher's public key. */
export interface PublisherKey {
  keyId: string;
  key: CryptoKey;
}

const hex = (b: ArrayBuffer) =>
  Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");

/** The SHA-256 of a component: what is signed. */
export async function componentDigest(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

/** The key id of a raw 32-byte Ed25519 public key. */
export async function publisherKeyId(raw: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", raw as Uint8Array<ArrayBuffer>);
  return `ed25519:${hex(d).slice(0, 16)}`;
}

function pemBody(text: string, label: string): Uint8Array | undefined {
  const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(text);
  return m ? decodeBase64(m[1].replace(/\s+/g, "")) : undefined;
}

/**
 * Reads a publisher's public key: PEM (`PUBLIC KEY`, SPKI) or the raw 32 bytes in base64.
 *
 * @throws {Error} when it is neither, or not an Ed25519 key
 */
export async function parsePublisherKey(text: string): Promise<PublisherKey> {
  const spki = pemBody(text, "PUBLIC KEY");
  let key: CryptoKey;
  try {
    if (spki) {
      key = await crypto.subtle.importKey(
        "spki",
        spki as Uint8Array<ArrayBuffer>,
        "Ed25519",
        true,
        [
          "verify",
        ],
      );
    } else {
      const raw = decodeBase64(text.trim());
      if (raw.length !== 32) throw new Error(`${raw.length} bytes, not 32`);
      key = await crypto.subtle.importKey("raw", raw as Uint8Array<ArrayBuffer>, "Ed25519", true, [
        "verify",
      ]);
    }
  } catch (e) {
    throw new Error(
      `not an Ed25519 public key (PEM or 32 bytes base64): ${(e as Error).message}`,
    );
  }
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", key));
  return { keyId: await publisherKeyId(raw), key };
}

/** Reads a publisher's private key (PEM `PRIVATE KEY`, PKCS #8) and its public key id. */
export async function parseSigningKey(text: string): Promise<{ keyId: string; key: CryptoKey }> {
  const pkcs8 = pemBody(text, "PRIVATE KEY");
  if (!pkcs8) throw new Error("not a PEM PKCS #8 private key (-----BEGIN PRIVATE KEY-----)");
  const key = await crypto.subtle.importKey(
    "pkcs8",
    pkcs8 as Uint8Array<ArrayBuffer>,
    "Ed25519",
    true,
    [
      "sign",
    ],
  );
  const jwk = await crypto.subtle.exportKey("jwk", key);
  return { keyId: await publisherKeyId(decodeBase64(jwk.x!)), key };
}

/** Signs a component: the base64 Ed25519 signature over its SHA-256. */
export async function signComponent(bytes: Uint8Array, key: CryptoKey): Promise<string> {
  const sig = await crypto.subtle.sign(
    "Ed25519",
    key,
    await componentDigest(bytes) as Uint8Array<ArrayBuffer>,
  );
  return encodeBase64(new Uint8Array(sig));
}

/** A new publisher key pair as PEM texts, with its key id. */
export async function newPublisherKeys(): Promise<
  { keyId: string; privatePem: string; publicPem: string }
> {
  const pair = await crypto.subtle.generateKey("Ed25519", true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const pem = (label: string, b: ArrayBuffer) =>
    `-----BEGIN ${label}-----\n${
      encodeBase64(new Uint8Array(b)).match(/.{1,64}/g)!.join("\n")
    }\n-----END ${label}-----\n`;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return {
    keyId: await publisherKeyId(raw),
    privatePem: pem("PRIVATE KEY", await crypto.subtle.exportKey("pkcs8", pair.privateKey)),
    publicPem: pem("PUBLIC KEY", await crypto.subtle.exportKey("spki", pair.publicKey)),
  };
}

/** Why a package's signature was refused. */
export type SignatureRefusal = "unsigned" | "untrusted key" | "bad signature" | "malformed";

/** What a deploy carried. */
export interface SignedPackage {
  bytes: Uint8Array;
  signature?: string;
  keyId?: string;
}

/** The outcome: the verified publisher's key id (none for an accepted unsigned package). */
export type SignatureResult =
  | { ok: true; keyId?: string }
  | { ok: false; reason: SignatureRefusal; keyId?: string };

/**
 * The node's trusted publishers. A signed package must verify with the key its `key_id`
 * names; an unsigned one is accepted unless signatures are required.
 */
export class TrustedPublishers {
  readonly #keys: Map<string, CryptoKey>;

  constructor(keys: readonly PublisherKey[], readonly requireSigned: boolean) {
    this.#keys = new Map(keys.map((k) => [k.keyId, k.key]));
  }

  /** The trusted key ids. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** Verifies a package's signature. */
  async verify(p: SignedPackage): Promise<SignatureResult> {
    if (p.signature === undefined && p.keyId === undefined) {
      return this.requireSigned ? { ok: false, reason: "unsigned" } : { ok: true };
    }
    if (p.signature === undefined || p.keyId === undefined) {
      return { ok: false, reason: "malformed", keyId: p.keyId };
    }
    const key = this.#keys.get(p.keyId);
    if (!key) return { ok: false, reason: "untrusted key", keyId: p.keyId };
    let sig: Uint8Array;
    try {
      sig = decodeBase64(p.signature.trim());
    } catch {
      return { ok: false, reason: "malformed", keyId: p.keyId };
    }
    if (sig.length !== 64) return { ok: false, reason: "malformed", keyId: p.keyId };
    const ok = await crypto.subtle.verify(
      "Ed25519",
      key,
      sig as Uint8Array<ArrayBuffer>,
      await componentDigest(p.bytes) as Uint8Array<ArrayBuffer>,
    );
    return ok
      ? { ok: true, keyId: p.keyId }
      : { ok: false, reason: "bad signature", keyId: p.keyId };
  }
}
