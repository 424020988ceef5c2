import type { OpenAPIHono } from "@hono/zod-openapi";

/** Per-request values the middleware chain sets. */
export interface AppEnv {
  Variables: {
    /** 32 hex digits; from `traceparent` or `X-Trace-Id`, or made fresh. */
    traceId: string;
  };
}

/** The application type every route module registers on. */
export type App = OpenAPIHono<AppEnv>;
