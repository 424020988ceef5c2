/**
 * Roles, actions and scopes: who may do what to which agent. Pure: no I/O, no clock.
 * @module
 */

/** The roles a token may carry. */
export const ROLES = ["admin", "deployer", "sender", "reader"] as const;
/** One role. */
export type Role = typeof ROLES[number];

/**
 * What a route needs: `read` (look), `send` (send messages, run tasks), `deploy` (deploy,
 * update, stop, start, delete, migrate agents; their service registrations), `admin` (the
 * cluster, dead letters, the audit log).
 */
export const ACTIONS = ["read", "send", "deploy", "admin"] as const;
/** One action. */
export type Action = typeof ACTIONS[number];

/** The actions each role grants. */
export const ROLE_ACTIONS: Readonly<Record<Role, readonly Action[]>> = {
  admin: ["read", "send", "deploy", "admin"],
  deployer: ["read", "deploy"],
  sender: ["read", "send"],
  reader: ["read"],
};

/** The kinds of scope: an action narrowed to agent names, or `as` (the senders allowed). */
export const SCOPE_KINDS = [...ACTIONS, "as"] as const;
/** One scope kind. */
export type ScopeKind = typeof SCOPE_KINDS[number];

/** A scope: `kind:pattern`, e.g. `deploy:team-a-*`, `send:billing-*`, `as:client`. */
export interface Scope {
  kind: ScopeKind;
  /** A glob over agent names: `*` matches any run of characters. */
  pattern: string;
}

const SCOPE = /^(read|send|deploy|admin|as):([A-Za-z0-9._*@:/-]{1,256})$/;

/** Parses `kind:pattern`, or `undefined` when it is not a scope of this API. */
export function parseScope(text: string): Scope | undefined {
  const m = SCOPE.exec(text);
  return m ? { kind: m[1] as ScopeKind, pattern: m[2] } : undefined;
}

/** Whether `text` is a role name. */
export function isRole(text: string): text is Role {
  return (ROLES as readonly string[]).includes(text);
}

/** Who made a request, as the authenticator established it. */
export interface Principal {
  /** Token subject (JWT `sub`) or `token-<hash>` for a static token; `anonymous` when open. */
  subject: string;
  /** How it was established. */
  via: "open" | "static" | "jwt";
  roles: readonly Role[];
  /** Narrowing scopes; none narrows nothing. */
  scopes: readonly Scope[];
  /** Sender names a JWT's sender claim allows (beside `as:` scopes). */
  senders?: readonly string[];
}

/** The principal of an open API (no token configured): every right, no narrowing. */
export const OPEN_PRINCIPAL: Principal = Object.freeze<Principal>({
  subject: "anonymous",
  via: "open",
  roles: ["admin"],
  scopes: [],
});

/** The outcome of an access check. */
export type Decision = { ok: true } | { ok: false; reason: "role" | "scope"; message: string };

const globCache = new Map<string, RegExp>();

/**
 * Whether `name` matches the glob `pattern`. A pattern with `@` is matched against the whole
 * name; one without against the local part (before `@`), so `billing-*` matches
 * `billing-eu@node1`.
 */
export function matchesPattern(pattern: string, name: string): boolean {
  const subject = pattern.includes("@") ? name : name.split("@")[0];
  let re = globCache.get(pattern);
  if (!re) {
    const body = pattern.split("*").map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
    re = new RegExp(`^${body.join(".*")}$`, "s");
    if (globCache.size < 1024) globCache.set(pattern, re);
  }
  return re.test(subject);
}

/** Whether any of the principal's roles grants `action`. */
export function hasAction(p: Principal, action: Action): boolean {
  return p.roles.some((r) => ROLE_ACTIONS[r].includes(action));
}

/**
 * Whether `p` may do `action` (to the agent `target`, if the route names one): some role must
 * grant the action, and if the principal carries scopes of that action, `target` must match
 * one of them. Scopes only narrow: an action without scopes of its kind is not narrowed.
 */
export function permits(p: Principal, action: Action, target?: string): Decision {
  if (!hasAction(p, action)) {
    return {
      ok: false,
      reason: "role",
      message: `'${action}' needs one of the roles ${rolesFor(action).join(", ")}; the token has ${
        p.roles.join(", ") || "none"
      }`,
    };
  }
  if (target === undefined) return { ok: true };
  const patterns = p.scopes.filter((s) => s.kind === action);
  if (patterns.length === 0 || patterns.some((s) => matchesPattern(s.pattern, target))) {
    return { ok: true };
  }
  return {
    ok: false,
    reason: "scope",
    message: `The token's '${action}' scopes (${
      patterns.map((s) => s.pattern).join(", ")
    }) do not cover '${target}'`,
  };
}

/** The roles that grant `action`. */
export function rolesFor(action: Action): Role[] {
  return ROLES.filter((r) => ROLE_ACTIONS[r].includes(action));
}
