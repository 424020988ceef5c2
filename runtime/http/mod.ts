/**
 * The node's HTTP API (Hono): routes, error mapping, OpenAPI.
 * @module
 */
export { type AppDeps, createApp } from "./app.ts";
export type { App, AppEnv } from "./env.ts";
export { errorResponse } from "./errors.ts";
export { defineRoute } from "./route.ts";
export { hostedCheck } from "./sender-guard.ts";
export { aclForm, mediaType, readAclBody } from "./acl-body.ts";
