/**
 * Whether a node accepts a sealed snapshot: the signer must be a current member whose key
 * the replicated directory holds (and, from a peer, the peer itself), the body must match
 * its digest and the signature its key, the snapshot must be meant for this node, and its
 * nonce must be new. {@link judgeSeal} is the pure rule; {@link openSnapshot} gathers the
 * facts (hashing, verifying, decompressing, claiming the nonce) and applies it.
 * @module
 */
import { ApiError } from "../errors/mod.ts";
import { peerIdOfPublicKey, verify } from "../net/mod.ts";
import type { AgentSnapshot } from "./capture.ts";
import { gunzip } from "./compress.ts";
import { decodeSnapshot } from "./format.ts";

import { parseSeal, type Seal, SealError, sha256, signedBytes } from "./seal.ts";

/** Why a snapshot was refused. */
export type RefusalReason =
  | "malformed"
  | "unsigned"
  | "unknown-signer"
  | "signer-not-peer"
  | "hash-mismatch"
  | "bad-signature"
  | "wrong-target"
  | "replayed"
  | "not-owner"
  | "too-large";

/** A refused snapshot: `FORBIDDEN` (`INVALID_REQUEST` when malformed) naming the reason. */
export class SnapshotRefused extends ApiError {
  constructor(readonly reason: RefusalReason, message: string, details: Record<string, unknown>) {
    super(
      reason === "malformed" || reason === "too-large" ? "INVALID_REQUEST" : "FORBIDDEN",
      `Snapshot refused (${reason}): ${message}`,
      { reason, ...details },
    );
  }
}

/** The facts about an envelope that decide whether its signature is acceptable. */
export interface SealFacts {
  signer: string;
  /** The signer's public key per the directory; undefined when it is not a member. */
  signerKey: string | undefined;
  /** Whether the peer that sent it is the signer (undefined: not received from a peer). */
  fromSigner: boolean | undefined;
  digestMatches: boolean;
  signatureValid: boolean;
}

/**
 * Applies the acceptance rule to the facts, in order: member, sent by the signer, digest,
 * signature. Pure.
 *
 * @example
 * ```ts
 * judgeSeal({ signer: "x", signerKey: undefined, fromSigner: true, digestMatches: true,
 *   signatureValid: true }); // { reason: "unknown-signer", ... }
 * ```
 */
export function judgeSeal(f: SealFacts): { reason: RefusalReason; message: string } | undefined {
  if (f.signerKey === undefined) {
    return { reason: "unknown-signer", message: `signer '${f.signer}' is not a cluster member` };
  }
  if (f.fromSigner === false) {
    return {
      reason: "signer-not-peer",
      message: `signed by '${f.signer}' but sent by another peer`,
    };
  }
  if (!f.digestMatches) {
    return { reason: "hash-mismatch", message: "the body does not match its SHA-256 digest" };
  }
  if (!f.signatureValid) {
    return { reason: "bad-signature", message: `the signature is not '${f.signer}''s` };
  }
  return undefined;
}

/** What {@link openSnapshot} checks against. */
export interface OpenOptions {
  /** A member's public key (base64) by node id, from the replicated directory. */
  keyOf(node: string): string | undefined;
  /** The authenticated peer id it came from (omit for snapshots read from local KV). */
  peer?: string;
  /** Largest decompressed snapshot accepted. */
  maxBytes: number;
  /** This node's id: a migration snapshot meant for another node is refused. */
  self?: string;
  /**
   * Claims the nonce, false when it was seen (a {@link import("./nonce-store.ts").NonceStore});
   * omit for local snapshots, which are read more than once.
   */
  nonces?: {
    claim(nonce: string, info: { signer: string; agent: string; at: string }): Promise<boolean>;
  };
}

/**
 * Verifies and decodes a sealed snapshot.
 *
 * @throws {SnapshotRefused} naming the reason.
 */
export async function openSnapshot(bytes: Uint8Array, o: OpenOptions): Promise<AgentSnapshot> {
  let seal: Seal;
  try {
    seal = parseSeal(bytes);
  } catch (e) {
    if (e instanceof SealError) throw new SnapshotRefused(e.reason, e.message, {});
    throw e;
  }
  const signerKey = o.keyOf(seal.signer);
  let fromSigner: boolean | undefined;
  if (o.peer !== undefined && signerKey !== undefined) {
    try {
      fromSigner = peerIdOfPublicKey(signerKey) === o.peer;
    } catch {
      fromSigner = false;
    }
  }
  const digest = await sha256(seal.body);
  const digestMatches = digest.every((b, i) => b === seal.digest[i]);
  let signatureValid = false;
  if (signerKey !== undefined && digestMatches && fromSigner !== false) {
    try {
      signatureValid = await verify(
        signerKey,
        seal.signature,
        signedBytes(seal.signer, seal.digest),
      );
    } catch {
      signatureValid = false;
    }
  }
  const verdict = judgeSeal({
    signer: seal.signer,
    signerKey,
    fromSigner,
    digestMatches,
    signatureValid,
  });
  if (verdict) throw new SnapshotRefused(verdict.reason, verdict.message, { signer: seal.signer });
  let raw: Uint8Array;
  try {
    raw = await gunzip(seal.body, o.maxBytes);
  } catch (e) {
    if (e instanceof RangeError) {
      throw new SnapshotRefused("too-large", e.message, { signer: seal.signer });
    }
    throw new SnapshotRefused("malformed", `body is not gzip: ${(e as Error).message}`, {
      signer: seal.signer,
    });
  }
  let snap: AgentSnapshot;
  try {
    snap = decodeSnapshot(raw);
  } catch (e) {
    throw new SnapshotRefused("malformed", (e as Error).message, { signer: seal.signer });
  }
  if (snap.meta.source !== seal.signer) {
    throw new SnapshotRefused(
      "malformed",
      `taken by '${snap.meta.source}' but signed by '${seal.signer}'`,
      { signer: seal.signer },
    );
  }
  if (o.self !== undefined && snap.meta.target !== o.self) {
    throw new SnapshotRefused(
      "wrong-target",
      `meant for '${snap.meta.target ?? "(none)"}', this is '${o.self}'`,
      { signer: seal.signer, target: snap.meta.target },
    );
  }
  if (o.nonces) {
    const fresh = await o.nonces.claim(snap.meta.nonce, {
      signer: seal.signer,
      agent: snap.record.name,
      at: snap.meta.taken_at,
    });
    if (!fresh) {
      throw new SnapshotRefused("replayed", `nonce ${snap.meta.nonce} was seen before`, {
        signer: seal.signer,
        nonce: snap.meta.nonce,
        agent: snap.record.name,
      });
    }
  }
  return snap;
}
