import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  jwtVerify,
  type JWTVerifyGetKey,
} from "jose";
import { type ClaimNames, principalFromClaims } from "./claims.ts";
import type { Principal } from "./roles.ts";

/** The algorithms accepted: RSA, P-256 ECDSA and Ed25519. */
export const JWT_ALGORITHMS = ["RS256", "ES256", "EdDSA"] as const;

/** How JWTs are verified. */
export interface JwtOptions {
  /** A JWKS URL (fetched, cached, refetched on an unknown `kid`). */
  jwksUrl?: string;
  /** A JWKS file (read on first use, reread on an unknown `kid`). */
  jwksFile?: string;
  /** Required `iss`. */
  issuer?: string;
  /** Required `aud` (one of). */
  audience?: string | string[];
  /** Accepted clock difference for `exp` and `nbf`, seconds. */
  clockSkewSeconds: number;
  /** Keys are refetched at most this often (an unknown `kid` cannot hammer the issuer), s. */
  jwksCooldownSeconds: number;
  /** Where roles, scopes and senders are. */
  claims: ClaimNames;
  /** Reads the JWKS file (tests inject one). */
  readFile?: (path: string) => Promise<string>;
  /** ms since the epoch (tests inject one). */
  now?: () => number;
}

/** Why a JWT was refused: a short reason that never shows key material. */
export type JwtFailure =
  | "expired"
  | "not yet valid"
  | "wrong audience"
  | "wrong issuer"
  | "missing claim"
  | "unknown key id"
  | "bad signature"
  | "algorithm not allowed"
  | "malformed"
  | "keys unavailable";

/** The verification result: a principal, or a reason. */
export type JwtResult = { ok: true; principal: Principal } | { ok: false; reason: JwtFailure };

/** Whether a token has the shape of a compact JWS (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  return /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** Maps a `jose` error to a {@link JwtFailure}. */
export function jwtFailure(e: unknown): JwtFailure {
  if (e instanceof errors.JWTExpired) return "expired";
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === "nbf") return "not yet valid";
    if (e.claim === "aud") return "wrong audience";
    if (e.claim === "iss") return "wrong issuer";
    if (e.claim === "iat" || e.claim === "exp") {
      return e.reason === "missing" ? "missing claim" : "expired";
    }
    return "missing claim";
  }
  if (e instanceof errors.JWKSNoMatchingKey) return "unknown key id";
  if (e instanceof errors.JWSSignatureVerificationFailed) return "bad signature";
  if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JOSENotSupported) {
    return "algorithm not allowed";
  }
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid) return "keys unavailable";
  if (e instanceof errors.JOSEError) return "malformed";
  // A JWKS fetch that failed (network) or a file that could not be read.
  return "keys unavailable";
}

/** A key set read from a file, reread (at most every `cooldownMs`) when a `kid` is unknown. */
export function fileKeySet(
  path: string,
  readFile: (path: string) => Promise<string>,
  cooldownMs: number,
  now: () => number,
): JWTVerifyGetKey {
  let local: JWTVerifyGetKey | undefined;
  let loadedAt = -Infinity;
  const load = async () => {
    loadedAt = now();
    const jwks = JSON.parse(await readFile(path)) as JSONWebKeySet;
    local = createLocalJWKSet(jwks);
  };
  return async (header, token) => {
    if (!local) await load();
    try {
      return await local!(header, token);
    } catch (e) {
      if (!(e instanceof errors.JWKSNoMatchingKey) || now() - loadedAt < cooldownMs) throw e;
      await load();
      return await local!(header, token);
    }
  };
}

/** How long a verified token is remembered (never past its `exp`), ms. */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
/** How many verified tokens are remembered at most. */
const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/**
 * Verifies JWT bearer tokens with `jose` and turns their claims into a principal. A token that
 * verified is remembered for {@link VERIFIED_TOKEN_TTL_MS} (never past its `exp`), so a client
 * that sends the same token on every request pays for one signature check a minute; refusals
 * are never remembered. Keys dropped from the JWKS are forgotten by `jose` after its cache age
 * anyway (10 minutes), so this does not widen what a rotated-out key can do.
 */
export class JwtVerifier {
  readonly #keys: JWTVerifyGetKey;
  readonly #verified = new Map<string, { principal: Principal; until: number }>();

  constructor(readonly opts: JwtOptions) {
    const cooldownMs = opts.jwksCooldownSeconds * 1000;
    if (opts.jwksUrl) {
      this.#keys = createRemoteJWKSet(new URL(opts.jwksUrl), {
        cooldownDuration: cooldownMs,
        cacheMaxAge: Math.max(cooldownMs, 600_000),
      });
    } else if (opts.jwksFile) {
      this.#keys = fileKeySet(
        opts.jwksFile,
        opts.readFile ?? ((p) => Deno.readTextFile(p)),
        cooldownMs,
        opts.now ?? Date.now,
      );
    } else {
      throw new Error("JWT verification needs a JWKS URL or a JWKS file");
    }
  }

  /** Verifies `token`: signature, algorithm, `exp`, `nbf`, and `iss`/`aud` when configured. */
  async verify(token: string): Promise<JwtResult> {
    const now = (this.opts.now ?? Date.now)();
    const hit = this.#verified.get(token);
    if (hit !== undefined) {
      if (now < hit.until) return { ok: true, principal: hit.principal };
      this.#verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, this.#keys, {
        algorithms: [...JWT_ALGORITHMS],
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        clockTolerance: this.opts.clockSkewSeconds,
        currentDate: this.opts.now ? new Date(this.opts.now()) : undefined,
      });
      const principal = principalFromClaims(payload, this.opts.claims);
      const expires = typeof payload.exp === "number" ? payload.exp * 1000 : Infinity;
      if (this.#verified.size >= VERIFIED_TOKEN_CACHE_SIZE) {
        // Maps iterate in insertion order: drop the oldest.
        this.#verified.delete(this.#verified.keys().next().value!);
      }
      this.#verified.set(token, {
        principal,
        until: Math.min(expires, now + VERIFIED_TOKEN_TTL_MS),
      });
      return { ok: true, principal };
    } catch (e) {
      return { ok: false, reason: jwtFailure(e) };
    }
  }
}
