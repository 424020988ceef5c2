import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors/mod.ts";
import type { AppEnv } from "./env.ts";
import { errorResponse } from "./errors.ts";

/** Who may do what. */
export type Role = "admin" | "read";

/** Configured tokens; with none at all, the API is open. */
export interface AuthOptions {
  adminTokens: readonly string[];
  readTokens: readonly string[];
  /** Paths that never need a token (`/health`). */
  publicPaths?: readonly string[];
  /** POST paths a read-only token may use because they change nothing. */
  readOnlyPosts?: readonly string[];
  /** Paths that never need a token, by pattern (the A2A agent cards). */
  publicPatterns?: readonly RegExp[];
  /**
   * Paths any valid token may use with any method, because their handler checks the role of
   * each operation itself (`/mcp`: a read-only token may call the read-only tools).
   */
  roleChecked?: readonly string[];
}

const encoder = new TextEncoder();

/** Compares two strings in time that depends only on their lengths. */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ (y[i % (y.length || 1)] ?? 0);
  return diff === 0;
}

/** The token a request carries in `X-Caxton-Token` or `Authorization: Bearer`. */
export function requestToken(header: (name: string) => string | undefined): string | undefined {
  const t = header("x-caxton-token");
  if (t) return t.trim();
  const auth = header("authorization");
  const m = auth?.match(/^Bearer\s+(\S+)\s*$/i);
  return m?.[1];
}

/** The role a token grants, or `undefined` for an unknown token. */
export function roleOf(token: string, opts: AuthOptions): Role | undefined {
  let role: Role | undefined;
  // Check every token, so the time taken does not reveal which list matched.
  for (const t of opts.adminTokens) if (timingSafeEqual(token, t)) role = "admin";
  for (const t of opts.readTokens) if (timingSafeEqual(token, t) && !role) role = "read";
  return role;
}

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The role of a request that passed {@link auth}: `admin` when the API is open (no token
 * configured), else what its token grants.
 */
export function requestRole(req: Request, opts: AuthOptions): Role | undefined {
  if (opts.adminTokens.length === 0 && opts.readTokens.length === 0) return "admin";
  const token = requestToken((h) => req.headers.get(h) ?? undefined);
  return token === undefined ? undefined : roleOf(token, opts);
}

/**
 * Requires a token on every route but the public ones once any token is configured:
 * none or an unknown one answers `401 UNAUTHORIZED`; a read-only token on a mutating
 * route answers `403 FORBIDDEN`.
 */
export function auth(opts: AuthOptions): MiddlewareHandler<AppEnv> {
  const open = opts.adminTokens.length === 0 && opts.readTokens.length === 0;
  const publicPaths = new Set(opts.publicPaths ?? ["/health"]);
  const readOnlyPosts = new Set(opts.readOnlyPosts ?? []);
  const roleChecked = new Set(opts.roleChecked ?? []);
  const patterns = opts.publicPatterns ?? [];
  return async (c, next) => {
    if (open || publicPaths.has(c.req.path)) return next();
    if (patterns.some((p) => p.test(c.req.path))) return next();
    // Browsers cannot set headers on a WebSocket: /ws also takes ?token=.
    const token = requestToken((h) => c.req.header(h)) ??
      (c.req.path === "/ws" ? c.req.query("token") : undefined);
    const role = token === undefined ? undefined : roleOf(token, opts);
    if (!role) {
      const err = new ApiError(
        "UNAUTHORIZED",
        token === undefined
          ? "A token is required: send X-Caxton-Token or Authorization: Bearer"
          : "The token is not valid",
        {},
        { headers: { "WWW-Authenticate": 'Bearer realm="fipa-edge"' } },
      );
      return errorResponse(c, err);
    }
    const method = c.req.method;
    if (
      role === "read" && MUTATING.has(method) && !readOnlyPosts.has(c.req.path) &&
      !roleChecked.has(c.req.path)
    ) {
      return errorResponse(
        c,
        new ApiError("FORBIDDEN", `A read-only token may not ${method} ${c.req.path}`, {
          method,
          path: c.req.path,
          role,
        }),
      );
    }
    await next();
  };
}
