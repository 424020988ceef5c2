import type { OpenAPIHono } from "@hono/zod-openapi";

/**
 * The app's environment. It sets no per-request variables: `c.set()` on every request
 * costs Hono's fast path measurably; derived values (the trace id) are looked up on demand.
 */
export interface AppEnv {
  Variables: Record<never, never>;
}

/** The application type every route module registers on. */
export type App = OpenAPIHono<AppEnv>;
