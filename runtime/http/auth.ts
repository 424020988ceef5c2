import type { Context, MiddlewareHandler, Next } from "hono";
import { ApiError } from "../errors/mod.ts";
import {
  type Authenticator,
  type AuthFailure,
  type AuthResult,
  OPEN_PRINCIPAL,
} from "../security/mod.ts";
import type { AppEnv } from "./env.ts";
import { errorResponse } from "./errors.ts";
import { setPrincipal } from "./access.ts";

/** How requests are authenticated. */
export interface AuthOptions {
  authenticator: Authenticator;
  /** Paths that never need a token (`/health`). */
  publicPaths?: readonly string[];
  /** Paths that never need a token, by pattern (the A2A agent cards). */
  publicPatterns?: readonly RegExp[];
  /** Called for every refused token (the audit trail, logs). */
  onFailure?: (reason: AuthFailure, c: Context<AppEnv>) => void | Promise<void>;
}

/** The token a request carries in `X-Caxton-Token` or `Authorization: Bearer`. */
export function requestToken(header: (name: string) => string | undefined): string | undefined {
  const t = header("x-caxton-token");
  if (t) return t.trim();
  const auth = header("authorization");
  const m = auth?.match(/^Bearer\s+(\S+)\s*$/i);
  return m?.[1];
}

const MESSAGES: Record<AuthFailure, string> = {
  "missing": "A token is required: send X-Caxton-Token or Authorization: Bearer",
  "unknown token": "The token is not valid",
  "expired": "The token has expired",
  "not yet valid": "The token is not valid yet (nbf)",
  "wrong audience": "The token is not meant for this API (aud)",
  "wrong issuer": "The token's issuer is not trusted (iss)",
  "missing claim": "The token lacks a required claim",
  "unknown key id": "The token is signed by a key this node does not know (kid)",
  "bad signature": "The token's signature does not verify",
  "algorithm not allowed": "The token's algorithm is not accepted (RS256, ES256, EdDSA)",
  "malformed": "The token is malformed",
  "keys unavailable": "The token's signing keys could not be loaded",
};

/**
 * Authenticates every request but those to public paths once any token (static or JWT) is
 * configured: none, an unknown or an invalid one answers `401 UNAUTHORIZED` with the reason in
 * `details.reason` (never key material). The principal is recorded for the routes' access
 * checks (`access.ts`), which answer `403 FORBIDDEN`.
 */
export function auth(opts: AuthOptions): MiddlewareHandler<AppEnv> {
  const publicPaths = new Set(opts.publicPaths ?? ["/health"]);
  const patterns = opts.publicPatterns ?? [];
  const { authenticator } = opts;
  const refuse = async (c: Context<AppEnv>, reason: AuthFailure) => {
    await opts.onFailure?.(reason, c);
    const err = new ApiError("UNAUTHORIZED", MESSAGES[reason], { reason }, {
      headers: {
        "WWW-Authenticate": reason === "missing"
          ? 'Bearer realm="fipa-edge"'
          : `Bearer realm="fipa-edge", error="invalid_token"`,
      },
    });
    return errorResponse(c, err);
  };
  const admit = (c: Context<AppEnv>, next: Next, r: AuthResult): Promise<Response | void> => {
    if (!r.ok) return refuse(c, r.reason);
    setPrincipal(c, r.principal);
    return next();
  };
  // Not an async function: a request that needs no JWT verification (an open node, a static
  // token) goes on to the next middleware without a promise of its own.
  return (c, next) => {
    if (publicPaths.has(c.req.path)) return next();
    if (patterns.some((p) => p.test(c.req.path))) return next();
    // An open API admits every caller as the open principal, whatever it sends: its token
    // headers are not read.
    if (authenticator.open) {
      setPrincipal(c, OPEN_PRINCIPAL);
      return next();
    }
    // Browsers cannot set headers on a WebSocket: /ws also takes ?token=.
    const token = requestToken((h) => c.req.header(h)) ??
      (c.req.path === "/ws" ? c.req.query("token") : undefined);
    const now = authenticator.authenticateNow(token);
    if (now !== undefined) return admit(c, next, now);
    return authenticator.authenticate(token).then((r): Promise<Response | void> =>
      admit(c, next, r)
    );
  };
}
