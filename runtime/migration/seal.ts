/**
 * The signed envelope around a compressed snapshot: what nodes store and send.
 *
 * ```
 * "FIPASEAL"  u16 version  u8 signer length  signer (UTF-8 node id)
 * sha256(body) [32]  Ed25519 signature [64]  body = gzip(encoded snapshot)
 * ```
 * The signature covers `"fipa-edge/snapshot/v1" 0x00 signer 0x00 sha256(body)`, so neither
 * the body nor the signer's name can be swapped. Parsing is pure; hashing, signing and
 * verifying use WebCrypto.
 * @module
 */
import { gzip } from "./compress.ts";

const MAGIC = new TextEncoder().encode("FIPASEAL");
/** The envelope version this code writes and reads. */
export const SEAL_VERSION = 1;
const CONTEXT = new TextEncoder().encode("fipa-edge/snapshot/v1");
const DIGEST = 32;
const SIGNATURE = 64;

/** A parsed envelope. Nothing in it is verified yet. */
export interface Seal {
  /** The node id that claims to have signed. */
  signer: string;
  /** SHA-256 of `body` as the signer computed it. */
  digest: Uint8Array;
  signature: Uint8Array;
  /** The gzip-compressed snapshot. */
  body: Uint8Array;
}

/** Why an envelope cannot even be parsed. */
export class SealError extends Error {
  constructor(readonly reason: "unsigned" | "malformed", message: string) {
    super(message);
    this.name = "SealError";
  }
}

/** The key pair that signs: a node id and its signing function (the node identity). */
export interface Signer {
  id: string;
  sign(bytes: Uint8Array): Promise<Uint8Array>;
}

/** SHA-256 of `bytes`. */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
}

/** The bytes a signer signs for a body digest. Pure. */
export function signedBytes(signer: string, digest: Uint8Array): Uint8Array {
  const id = new TextEncoder().encode(signer);
  const out = new Uint8Array(CONTEXT.length + 1 + id.length + 1 + digest.length);
  out.set(CONTEXT, 0);
  out.set(id, CONTEXT.length + 1);
  out.set(digest, CONTEXT.length + 2 + id.length);
  return out;
}

/** Writes an envelope. Pure. */
export function encodeSeal(s: Seal): Uint8Array {
  const id = new TextEncoder().encode(s.signer);
  if (id.length === 0 || id.length > 255) {
    throw new RangeError(`signer id must be 1-255 bytes, got ${id.length}`);
  }
  if (s.digest.length !== DIGEST || s.signature.length !== SIGNATURE) {
    throw new RangeError("digest must be 32 bytes and signature 64");
  }
  const head = MAGIC.length + 2 + 1 + id.length;
  const out = new Uint8Array(head + DIGEST + SIGNATURE + s.body.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint16(MAGIC.length, SEAL_VERSION);
  out[MAGIC.length + 2] = id.length;
  out.set(id, MAGIC.length + 3);
  out.set(s.digest, head);
  out.set(s.signature, head + DIGEST);
  out.set(s.body, head + DIGEST + SIGNATURE);
  return out;
}

/**
 * Parses an envelope. Pure. The parts are views into `bytes`.
 *
 * @throws {SealError} `unsigned` for a bare or merely compressed snapshot, `malformed` for
 * anything else that is not an envelope.
 */
export function parseSeal(bytes: Uint8Array): Seal {
  const starts = (magic: Uint8Array) =>
    bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
  if (!starts(MAGIC)) {
    if (starts(new TextEncoder().encode("FIPASNAP")) || (bytes[0] === 0x1f && bytes[1] === 0x8b)) {
      throw new SealError("unsigned", "snapshot is not signed");
    }
    throw new SealError("malformed", "not a sealed snapshot (missing FIPASEAL magic)");
  }
  if (bytes.length < MAGIC.length + 3) throw new SealError("malformed", "envelope truncated");
  const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .getUint16(MAGIC.length);
  if (version !== SEAL_VERSION) {
    throw new SealError("malformed", `envelope version ${version} is not supported`);
  }
  const idLen = bytes[MAGIC.length + 2];
  const head = MAGIC.length + 3 + idLen;
  if (idLen === 0 || bytes.length < head + DIGEST + SIGNATURE) {
    throw new SealError("malformed", "envelope truncated");
  }
  let signer: string;
  try {
    signer = new TextDecoder("utf-8", { fatal: true }).decode(
      bytes.subarray(MAGIC.length + 3, head),
    );
  } catch {
    throw new SealError("malformed", "signer id is not UTF-8");
  }
  return {
    signer,
    digest: bytes.subarray(head, head + DIGEST),
    signature: bytes.subarray(head + DIGEST, head + DIGEST + SIGNATURE),
    body: bytes.subarray(head + DIGEST + SIGNATURE),
  };
}

/**
 * Compresses an encoded snapshot and signs it: Ed25519 (the node key) over the SHA-256 of
 * the compressed body.
 *
 * @example
 * ```ts
 * const sealed = await sealSnapshot(encodeSnapshot(s), { id: "node-a", sign: identity.sign });
 * ```
 */
export async function sealSnapshot(raw: Uint8Array, signer: Signer): Promise<Uint8Array> {
  const body = await gzip(raw);
  const digest = await sha256(body);
  const signature = await signer.sign(signedBytes(signer.id, digest));
  return encodeSeal({ signer: signer.id, digest, signature, body });
}
