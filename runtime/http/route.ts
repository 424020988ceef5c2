import type { RouteConfig } from "@hono/zod-openapi";
import type { Handler, MiddlewareHandler } from "hono";
import type { App, AppEnv } from "./env.ts";

/**
 * Registers a route once: its OpenAPI description (generated from the zod schemas in
 * `spec`) and its handlers, on the same method and path. Handlers parse their own bodies
 * so that bad input maps to this API's error codes (`INVALID_ACL`, `415`, ...).
 *
 * @example
 * ```ts
 * defineRoute(app, { method: "get", path: "/health", responses: {...} }, (c) => c.json({}));
 * ```
 */
export function defineRoute(
  app: App,
  spec: RouteConfig,
  ...handlers: [...MiddlewareHandler<AppEnv>[], Handler<AppEnv>]
): void {
  app.openAPIRegistry.registerPath(spec);
  const path = spec.path.replace(/\{([^}]+)\}/g, ":$1");
  app.on(spec.method.toUpperCase(), path, ...(handlers as [Handler<AppEnv>]));
}
