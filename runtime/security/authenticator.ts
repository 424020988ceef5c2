import { type JwtFailure, type JwtVerifier, looksLikeJwt } from "./jwt.ts";
import { OPEN_PRINCIPAL, type Principal } from "./roles.ts";
import type { StaticTokens } from "./static-tokens.ts";

/** Why a token was refused. */
export type AuthFailure = "missing" | "unknown token" | JwtFailure;

/** Who a token belongs to, or why it was refused. */
export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: AuthFailure };

/**
 * Turns a request's token into a {@link Principal}: static tokens first (constant time per
 * token), then, for a token shaped like a JWT, the JWT verifier. With neither static tokens nor
 * a verifier the API is open and every request is {@link OPEN_PRINCIPAL}.
 */
export class Authenticator {
  constructor(readonly tokens: StaticTokens, readonly jwt?: JwtVerifier) {}

  /** Whether no token is configured at all (the API is open). */
  get open(): boolean {
    return this.tokens.size === 0 && this.jwt === undefined;
  }

  /** The principal of `token`, or the reason it is refused. */
  async authenticate(token: string | undefined): Promise<AuthResult> {
    return this.authenticateNow(token) ?? await this.jwt!.verify(token!);
  }

  /**
   * {@link authenticate}'s answer when it needs no JWT verification (an open API, no token, a
   * static token, a token not shaped like a JWT); `undefined` when it does.
   */
  authenticateNow(token: string | undefined): AuthResult | undefined {
    if (this.open) return { ok: true, principal: OPEN_PRINCIPAL };
    if (token === undefined) return { ok: false, reason: "missing" };
    const p = this.tokens.lookup(token);
    if (p) return { ok: true, principal: p };
    if (this.jwt && looksLikeJwt(token)) return undefined;
    return { ok: false, reason: "unknown token" };
  }
}
