import { isRole, parseScope, type Principal, type Role, type Scope } from "./roles.ts";

/** Where a JWT carries roles, scopes and allowed senders (dotted paths into its claims). */
export interface ClaimNames {
  /** e.g. `roles` or `realm_access.roles`. */
  roles: string;
  /** e.g. `scope` (OAuth 2: space-separated) or `scp`. */
  scopes: string;
  /** The sender names the caller may use, e.g. `fipa_sender`. */
  sender: string;
}

/** The value at a dotted path of an object (`a.b.c`), or `undefined`. */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  // A claim whose name itself has dots wins over the path.
  if (Object.hasOwn(payload, path)) return payload[path];
  let v: unknown = payload;
  for (const part of path.split(".")) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** A claim as a list of strings: an array of strings, or one space-separated string. */
export function claimList(v: unknown): string[] {
  if (typeof v === "string") return v.split(/\s+/).filter(Boolean);
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  return [];
}

/**
 * A sender name derived from a token subject: the characters agent names allow
 * (`[A-Za-z0-9._-]`), others replaced by `-`, at most 128, starting with a letter or digit.
 */
export function senderFromSubject(subject: string): string {
  const s = subject.replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, 128);
  return s || "caller";
}

/**
 * The principal of a verified JWT's claims: known roles (others ignored), scopes of this API
 * (others, such as `openid`, ignored) and the sender claim.
 */
export function principalFromClaims(
  payload: Record<string, unknown>,
  names: ClaimNames,
): Principal {
  const roles = claimList(claimAt(payload, names.roles)).filter(isRole) as Role[];
  const scopes = claimList(claimAt(payload, names.scopes))
    .map(parseScope)
    .filter((s): s is Scope => s !== undefined);
  const senders = claimList(claimAt(payload, names.sender));
  const subject = typeof payload.sub === "string" && payload.sub ? payload.sub : "unknown-subject";
  return { subject, via: "jwt", roles: [...new Set(roles)], scopes, senders };
}
