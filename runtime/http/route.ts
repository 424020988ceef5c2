import type { RouteConfig } from "@hono/zod-openapi";
import type { Context, Handler, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { zodIssues } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { App, AppEnv } from "./env.ts";
import { accessCheck, accessOf, openApiSecurity } from "./access.ts";
import { auditTrail } from "./audit-trail.ts";

type Part = "query" | "params";

/** What a request part's schema in `R` parses to (`never` when `R` declares none). */
type Parsed<R, K extends Part> = R extends { request?: { [P in K]?: infer S } }
  ? S extends z.ZodType ? z.output<S> : never
  : never;

/**
 * The validated input of a route defined with spec `R`: handlers read it with
 * `c.req.valid("query")` and `c.req.valid("param")`. Routes without either take any handler
 * (such as the WebSocket upgrade).
 */
export type RouteInput<R> = [Parsed<R, "query">, Parsed<R, "params">] extends [never, never]
  // deno-lint-ignore ban-types
  ? {}
  : { out: { query: Parsed<R, "query">; param: Parsed<R, "params"> } };

/**
 * Registers a route once: its OpenAPI description (generated from the zod schemas in
 * `spec`) and its handlers, on the same method and path. The query and path parameters are
 * validated with the same schemas the description shows (a bad one answers
 * `400 INVALID_REQUEST` naming the parameter and its value) and handed to the handlers as
 * `c.req.valid("query")` / `c.req.valid("param")`. Handlers parse their own bodies so that bad
 * input maps to this API's error codes (`INVALID_ACL`, `415`, ...).
 *
 * Who may call it is its row in `ROUTE_ACCESS` (`access.ts`; a route without a row throws
 * here): the row becomes the operation's `security` in /openapi.json and a middleware that
 * answers `403 FORBIDDEN` before anything else runs.
 *
 * The access check and the parameters' validation run at the start of the route's first
 * handler (not in a middleware of their own: each is one more async step per request), and a
 * request without a query string takes the schema's defaults parsed once at definition time:
 * the hot `POST /api/v1/messages` pays one `indexOf`.
 *
 * @example
 * ```ts
 * const Q = z.object({ limit: z.coerce.number().int().min(1).default(10) });
 * defineRoute(app, { method: "get", path: "/x", request: { query: Q }, responses: {...} },
 *   (c) => c.json({ limit: c.req.valid("query").limit }));
 * ```
 */
export function defineRoute<const R extends RouteConfig>(
  app: App,
  spec: R,
  ...handlers: [
    ...MiddlewareHandler<AppEnv>[],
    Handler<AppEnv, string, RouteInput<NoInfer<R>>>,
  ]
): void {
  const access = accessOf(spec.method, spec.path);
  app.openAPIRegistry.registerPath({
    ...spec,
    ...(spec.tags ? {} : { tags: [routeTag(spec.path)] }),
    security: openApiSecurity(access),
    "x-access": access,
  });
  const path = spec.path.replace(/\{([^}]+)\}/g, ":$1");
  const checks = [accessCheck(app, access), inputCheck(spec)]
    .filter((f): f is (c: Context<AppEnv>) => void => f !== undefined);
  // The access check, then the parameters' validation, run in the route's first handler:
  // each Hono middleware is one more async step per request. A check that throws reaches
  // the app's `onError` as it would from a middleware of its own.
  const [first, ...rest] = handlers as Handler<AppEnv>[];
  const checked: Handler<AppEnv> = checks.length === 0
    ? first
    : checks.length === 1
    ? (c, next) => (checks[0](c), first(c, next))
    : (c, next) => {
      for (const check of checks) check(c);
      return first(c, next);
    };
  // The audit trail: a middleware in front, or, for a row whose calls are recorded only when
  // refused, a wrapper of the single handler (one Hono step less per request).
  const audit = auditTrail(app, `${spec.method.toUpperCase()} ${spec.path}`, access);
  const all =
    (audit?.wrap && rest.length === 0
      ? [audit.wrap(checked)]
      : [...(audit ? [audit.middleware] : []), checked, ...rest]) as [Handler<AppEnv>];
  app.on(spec.method.toUpperCase(), path, ...all);
}

/**
 * The OpenAPI tag of a route without one: its resource (`/api/v1/agents/{id}` → `agents`),
 * or its first segment (`/health` → `health`), so that /docs groups operations by resource.
 */
export function routeTag(path: string): string {
  const parts = path.split("/").filter(Boolean);
  return (parts[0] === "api" && /^v\d+$/.test(parts[1] ?? "") ? parts[2] : parts[0]) ?? "root";
}

/**
 * The check that validates `spec`'s query and path parameters (handing them to the handlers
 * as `c.req.valid(...)`), if it declares any; throws `400 INVALID_REQUEST`.
 */
function inputCheck(spec: RouteConfig): ((c: Context<AppEnv>) => void) | undefined {
  const query = spec.request?.query as z.ZodType | undefined;
  const params = spec.request?.params as z.ZodType | undefined;
  if (!query && !params) return undefined;
  // Without a query string the query is `{}`: parse it once here, not on every request.
  const noQuery = query?.safeParse({});
  return (c) => {
    if (query) {
      const r = c.req.url.indexOf("?") < 0 ? noQuery! : query.safeParse(c.req.query());
      if (!r.success) throw invalidParameter("query", r.error, queryOf(c));
      c.req.addValidatedData("query", r.data as object);
    }
    if (params) {
      const given = c.req.param();
      const r = params.safeParse(given);
      if (!r.success) throw invalidParameter("path", r.error, given);
      c.req.addValidatedData("param", r.data as object);
    }
  };
}

function queryOf(c: Context<AppEnv>): Record<string, string> {
  return c.req.url.indexOf("?") < 0 ? {} : c.req.query();
}

/**
 * `400 INVALID_REQUEST` for a query or path parameter a schema refused, naming the parameter
 * and the value given (`details`: `in`, `parameter`, `value`, `path`, `issues`).
 */
export function invalidParameter(
  where: "query" | "path",
  error: z.ZodError,
  given: Record<string, string>,
): ApiError {
  const issues = zodIssues(error);
  const first = issues[0];
  const name = String(first.path?.[0] ?? "");
  const value = Object.hasOwn(given, name) ? given[name] : undefined;
  const what = value === undefined
    ? `Missing ${where} parameter '${name}'`
    : `Invalid ${where} parameter '${name}' = '${value.slice(0, 200)}'`;
  return new ApiError("INVALID_REQUEST", `${what}: ${first.message}`, {
    in: where,
    parameter: name,
    ...(value === undefined ? {} : { value: value.slice(0, 200) }),
    path: first.path,
    issues,
  });
}
