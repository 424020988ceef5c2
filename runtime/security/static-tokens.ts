import { createHash } from "node:crypto";
import { z } from "zod";
import { isRole, parseScope, type Principal, type Role, ROLES, type Scope } from "./roles.ts";

/** A static token with its role and scopes. */
export interface TokenGrant {
  token: string;
  role: Role;
  scopes: Scope[];
}

const TokenText = z.string().min(16, "tokens must be at least 16 characters").regex(
  /^[\x21-\x7e]+$/,
  "tokens are printable ASCII without spaces",
);

const SPEC = /^([a-z]+)(?:\[([^\]]*)\])?=(.*)$/s;

/**
 * Parses a token setting `role=TOKEN` or `role[scope scope ...]=TOKEN`, e.g.
 * `deployer[deploy:team-a-*]=s3cret-0123456789abcdef`.
 *
 * @throws {Error} naming the bad role or scope (never the token)
 */
export function parseTokenSpec(text: string): TokenGrant {
  const m = SPEC.exec(text.trim());
  if (!m) throw new Error("a token is written role=TOKEN or role[scope ...]=TOKEN");
  const [, role, scopeText = "", token] = m;
  if (!isRole(role)) throw new Error(`role '${role}' is not one of ${ROLES.join(", ")}`);
  const scopes = scopeText.split(/[\s;]+/).filter(Boolean).map((s) => {
    const scope = parseScope(s);
    if (!scope) {
      throw new Error(
        `scope '${s.slice(0, 80)}' is not kind:pattern with kind read|send|deploy|admin|as`,
      );
    }
    return scope;
  });
  const t = TokenText.safeParse(token);
  if (!t.success) throw new Error(t.error.issues[0].message);
  return { token, role, scopes };
}

/** The zod schema of the `tokens` setting: spec strings or `{token, role, scopes}` objects. */
export const TokenGrantSchema = z.union([
  z.string().transform((s, ctx) => {
    try {
      return parseTokenSpec(s);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message });
      return z.NEVER;
    }
  }),
  z.strictObject({
    token: TokenText,
    role: z.enum(ROLES),
    scopes: z.array(
      z.string().transform((s, ctx) => {
        const scope = parseScope(s);
        if (!scope) {
          ctx.addIssue({
            code: "custom",
            message: `scope '${s.slice(0, 80)}' is not kind:pattern`,
          });
          return z.NEVER;
        }
        return scope;
      }),
    ).default([]),
  }),
]);

const encoder = new TextEncoder();

/** Compares two strings in time that depends only on their lengths. */
export function timingSafeEqual(a: string, b: string): boolean {
  return bytesEqual(encoder.encode(a), encoder.encode(b));
}

/** Compares two byte strings in time that depends only on their lengths. */
function bytesEqual(x: Uint8Array, y: Uint8Array): boolean {
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ (y[i % (y.length || 1)] ?? 0);
  return diff === 0;
}

/** The subject a static token is known by in logs and audit records: never the token. */
export function tokenSubject(token: string): string {
  return `token-${createHash("sha256").update(token).digest("hex").slice(0, 12)}`;
}

/** The static tokens of a node, looked up in constant time per token. */
export class StaticTokens {
  readonly #grants: { token: Uint8Array; principal: Principal }[];

  constructor(grants: readonly TokenGrant[]) {
    this.#grants = grants.map((g) => ({
      token: encoder.encode(g.token),
      principal: Object.freeze({
        subject: tokenSubject(g.token),
        via: "static" as const,
        roles: [g.role],
        scopes: g.scopes,
      }),
    }));
  }

  /** How many tokens there are. */
  get size(): number {
    return this.#grants.length;
  }

  /** The principal of `token`, or `undefined` for an unknown token. */
  lookup(token: string): Principal | undefined {
    let found: Principal | undefined;
    const given = encoder.encode(token);
    // Compare with every token, so the time taken does not reveal which one matched.
    for (const g of this.#grants) if (bytesEqual(given, g.token) && !found) found = g.principal;
    return found;
  }
}

/** The grants of the legacy settings: admin tokens as `admin`, read tokens as `reader`. */
export function legacyGrants(admin: readonly string[], read: readonly string[]): TokenGrant[] {
  return [
    ...admin.map((token) => ({ token, role: "admin" as const, scopes: [] })),
    ...read.map((token) => ({ token, role: "reader" as const, scopes: [] })),
  ];
}
