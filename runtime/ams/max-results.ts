import type { ManagementContext } from "./context.ts";

/** The `max-results` to use: the request's, the default when absent, never above the cap. */
export function effectiveMaxResults(ctx: ManagementContext, requested?: number): number {
  const cap = ctx.maxResultsCap ?? 1000;
  if (requested === undefined) return Math.min(ctx.defaultMaxResults ?? 100, cap);
  return requested < 0 ? cap : Math.min(requested, cap);
}
