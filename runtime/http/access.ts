import type { Context } from "hono";
import { ApiError } from "../errors/mod.ts";
import { type Action, OPEN_PRINCIPAL, permits, type Principal, rolesFor } from "../security/mod.ts";
import type { App, AppEnv } from "./env.ts";

/**
 * What a route needs. `public`: no token. Otherwise an action (see `runtime/security`), and
 * where the agent it acts on is named: `param` (a path parameter, resolved from an agent id to
 * its name when `agent` is set), or `body` (the handler checks it with {@link authorize} once
 * it has parsed the body). Without a target the action is checked, not the scopes. Rows with
 * `audit` are recorded in the audit trail (`audit-trail.ts`), as is any `403` refusal.
 */
export type RouteAccess =
  | { action: "public" }
  | {
    action: Action;
    param?: string;
    agent?: boolean;
    body?: string;
    /** The audit trail's name of the operation; such routes are recorded, whatever the outcome. */
    audit?: string;
  };

/**
 * THE table of who may call what: every route defined with `defineRoute` has a row (defining a
 * route without one throws), `/openapi.json` shows it as each operation's `security`, and
 * `tests/unit/http/access.test.ts` walks it.
 */
export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  "GET /health": { action: "public" },
  "POST /acc": { action: "public" },
  "GET /dashboard": { action: "public" },
  // The API reference describes the code, not the node's data: public like the dashboard.
  "GET /docs": { action: "public" },
  "GET /openapi.json": { action: "public" },
  "GET /api/v1/platform": { action: "read" },
  "GET /metrics": { action: "read" },
  "GET /ws": { action: "read" },
  // Agents.
  "POST /api/v1/agents": { action: "deploy", body: "config.name", audit: "agent.deploy" },
  "GET /api/v1/agents": { action: "read" },
  "GET /api/v1/agents/{id}": { action: "read", param: "id", agent: true },
  "GET /api/v1/agents/{id}/versions": { action: "read", param: "id", agent: true },
  "PUT /api/v1/agents/{id}/reload": {
    action: "deploy",
    param: "id",
    agent: true,
    audit: "agent.reload",
  },
  "GET /api/v1/agents/{id}/logs": { action: "read", param: "id", agent: true },
  "PUT /api/v1/agents/{id}/scale": {
    action: "deploy",
    param: "id",
    agent: true,
    audit: "agent.scale",
  },
  "PUT /api/v1/agents/{id}": {
    action: "deploy",
    param: "id",
    agent: true,
    audit: "agent.update",
  },
  "DELETE /api/v1/agents/{id}": {
    action: "deploy",
    param: "id",
    agent: true,
    audit: "agent.delete",
  },
  "POST /api/v1/agents/{id}/stop": {
    action: "deploy",
    param: "id",
    agent: true,
    audit: "agent.stop",
  },
  "POST /api/v1/agents/{id}/start": {
    action: "deploy",
    param: "id",
    agent: true,
    audit: "agent.start",
  },
  "POST /api/v1/agents/{id}/migrate": {
    action: "deploy",
    param: "id",
    agent: true,
    audit: "agent.migrate",
  },
  "POST /api/v1/agents/{id}/hibernate": {
    action: "deploy",
    param: "id",
    agent: true,
    audit: "agent.hibernate",
  },
  // Deployments (the agent is named in the body, or is the deployment's).
  "POST /api/v1/deployments": { action: "deploy", body: "agent_id", audit: "deployment.create" },
  "GET /api/v1/deployments": { action: "read" },
  "GET /api/v1/deployments/{id}": { action: "read" },
  "POST /api/v1/deployments/{id}/rollback": { action: "deploy", audit: "deployment.rollback" },
  "GET /api/v1/metrics/agents/{id}": { action: "read", param: "id", agent: true },
  "GET /api/v1/metrics/system": { action: "read" },
  "GET /api/v1/metrics/series": { action: "read" },
  // Messages and tasks.
  "POST /api/v1/messages": { action: "send", body: "receiver" },
  "POST /api/v1/messages/send-and-wait": { action: "send", body: "receiver" },
  "POST /api/v1/messages/validate": { action: "read" },
  "GET /api/v1/messages": { action: "read" },
  "POST /api/v1/conversations/analyze": { action: "read" },
  "GET /api/v1/conversations/{id}": { action: "read" },
  "POST /api/v1/tasks": { action: "send" },
  "POST /api/v1/tasks/{id}/distribute": { action: "send" },
  "GET /api/v1/tasks": { action: "read" },
  "GET /api/v1/tasks/{id}": { action: "read" },
  // Directory and services.
  "GET /api/v1/directory/agents": { action: "read" },
  "GET /api/v1/services": { action: "read" },
  "POST /api/v1/services": { action: "deploy", body: "name.name", audit: "service.register" },
  "PUT /api/v1/services/{agent}": { action: "deploy", param: "agent", audit: "service.modify" },
  "DELETE /api/v1/services/{agent}": {
    action: "deploy",
    param: "agent",
    audit: "service.deregister",
  },
  "GET /api/v1/df/federation": { action: "read" },
  "POST /api/v1/df/federation": { action: "admin", audit: "df.federate" },
  // Bridges (runtime/bridges/). Any valid token may open an MCP session: each tool checks the
  // action it needs (send, deploy, read) with the caller's scopes.
  "POST /mcp": { action: "read" },
  // A2A discovery is public; the JSON-RPC endpoints send messages to the agent.
  "GET /.well-known/agent-card.json": { action: "public" },
  "GET /a2a/{agent}/.well-known/agent-card.json": { action: "public" },
  "POST /a2a": { action: "send", body: "params.metadata.skill" },
  "POST /a2a/{agent}": { action: "send", param: "agent", agent: true },
  // Operations.
  "GET /api/v1/dead-letters": { action: "read" },
  "POST /api/v1/dead-letters/{id}/retry": { action: "admin", audit: "dead-letter.retry" },
  "DELETE /api/v1/dead-letters/{id}": { action: "admin", audit: "dead-letter.delete" },
  "DELETE /api/v1/dead-letters": { action: "admin", audit: "dead-letter.purge" },
  "GET /api/v1/cluster": { action: "read" },
  "GET /api/v1/audit": { action: "admin" },
  "GET /api/v1/audit/verify": { action: "admin" },
  "POST /api/v1/cluster/leader": { action: "admin", audit: "cluster.leader" },
  "DELETE /api/v1/cluster/members/{id}": { action: "admin", audit: "cluster.remove-member" },
  "POST /api/v1/cluster/drain": { action: "admin", audit: "cluster.drain" },
  "POST /api/v1/cluster/leave": { action: "admin", audit: "cluster.leave" },
};

/** The table row of `METHOD path` (OpenAPI path form, `{id}`). */
export function accessOf(method: string, path: string): RouteAccess {
  const row = ROUTE_ACCESS[`${method.toUpperCase()} ${path}`];
  if (!row) {
    throw new Error(
      `route ${method.toUpperCase()} ${path} has no row in ROUTE_ACCESS (runtime/http/access.ts)`,
    );
  }
  return row;
}

function publicRowPaths(): string[] {
  return Object.entries(ROUTE_ACCESS).filter(([, a]) => a.action === "public").map(([k]) =>
    k.slice(k.indexOf(" ") + 1)
  );
}

/** Exact paths that need no token: the public rows of the table without path parameters. */
export function publicPaths(): string[] {
  return publicRowPaths().filter((p) => !p.includes("{"));
}

/**
 * Paths that need no token, as patterns: the public rows with path parameters (the A2A agent
 * cards, `/a2a/{agent}/.well-known/agent-card.json`); a parameter matches one path segment.
 */
export function publicPatterns(): RegExp[] {
  return publicRowPaths().filter((p) => p.includes("{")).map((p) =>
    new RegExp(
      `^${
        p.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("[^/]+")
      }$`,
    )
  );
}

/** The OpenAPI `security` of a row: the roles that may call it, per scheme. */
export function openApiSecurity(access: RouteAccess): Record<string, string[]>[] {
  if (access.action === "public") return [];
  const roles = rolesFor(access.action);
  return [{ bearerAuth: roles }, { caxtonToken: roles }];
}

// Kept on the context, not the request (middleware such as the body limit replace
// c.req.raw), under symbols of this module: a property every context gets the same way costs
// less per request than a WeakMap entry (and its ephemeron for the GC) or Hono's `c.set()`.
const PRINCIPAL = Symbol("principal");
const TARGET = Symbol("target");
type AccessContext = Context<AppEnv> & { [PRINCIPAL]?: Principal; [TARGET]?: string };

/** Records who made the request of `c` (the authentication middleware does). */
export function setPrincipal(c: Context<AppEnv>, p: Principal): void {
  (c as AccessContext)[PRINCIPAL] = p;
}

/**
 * Who made the request. A request that passed no authentication (a route outside the app's
 * middleware, in tests) has no principal: it is refused rather than treated as open.
 */
export function principalOf(c: Context<AppEnv>): Principal | undefined {
  return (c as AccessContext)[PRINCIPAL];
}

/**
 * Throws `403 FORBIDDEN` unless the caller may do `action` (to `target`, an agent name).
 * Handlers call it for targets named in the body; {@link accessCheck} does the rest.
 */
export function authorize(c: Context<AppEnv>, action: Action, target?: string): void {
  if (target !== undefined) (c as AccessContext)[TARGET] = target;
  const p = principalOf(c) ?? { ...OPEN_PRINCIPAL, roles: [], via: "static" as const };
  const d = permits(p, action, target);
  if (d.ok) return;
  throw new ApiError("FORBIDDEN", d.message, {
    method: c.req.method,
    path: c.req.path,
    action,
    ...(target === undefined ? {} : { target }),
    reason: d.reason,
    roles: p.roles,
  });
}

/**
 * Whether the caller may see the agent `name` (its `read` scopes), for routes that list
 * agents: `undefined` when nothing is narrowed.
 */
export function readFilter(c: Context<AppEnv>): ((name: string) => boolean) | undefined {
  const p = principalOf(c);
  if (!p || !p.scopes.some((s) => s.kind === "read")) return undefined;
  return (name) => permits(p, "read", name).ok;
}

/** The agent the request acted on, as the last access check named it. */
export function targetOf(c: Context<AppEnv>): string | undefined {
  return (c as AccessContext)[TARGET];
}

const resolvers = new WeakMap<App, (ref: string) => string>();

/** How the app turns an agent reference (id or name) into the name scopes match. */
export function setAgentResolver(app: App, resolve: (ref: string) => string): void {
  resolvers.set(app, resolve);
}

/**
 * The check that enforces a row of the table (before parameter validation; `defineRoute`
 * runs it in the route's first middleware): throws `403 FORBIDDEN` for a caller the row
 * refuses; `undefined` for a public row.
 */
export function accessCheck(
  app: App,
  access: RouteAccess,
): ((c: Context<AppEnv>) => void) | undefined {
  if (access.action === "public") return undefined;
  const { action, param, agent } = access;
  return (c) => {
    let target: string | undefined;
    if (param !== undefined) {
      target = c.req.param(param) ?? "";
      if (agent) target = (resolvers.get(app) ?? ((r: string) => r))(target);
    }
    authorize(c, action, target); // a refusal throws: Hono's compose turns it into the error
  };
}
