import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env.ts";

/**
 * Runs `steps` as one Hono middleware, each step's `next` calling the following step (the
 * last one's calls the app's `next`). Hono's compose runs every middleware in an async step of
 * its own (a promise, an `await` and a `try` per middleware and request); a chain of the
 * app-wide checks costs one step.
 *
 * A step but the last must answer either with its own response or with what `next()`
 * returned (`return next()`, never `await next()` then nothing): a response of a later step
 * travels back as the return value, and only the chain's own step hands it to Hono. The last
 * step's `next` is Hono's own, so it may await it (Hono's `bodyLimit` does). A step that
 * throws reaches the app's `onError` exactly as a middleware of its own would.
 *
 * @example
 * ```ts
 * app.use("*", chain(headerLimit(), auth(opts), bodyLimit(1 << 20)));
 * ```
 */
export function chain(...steps: MiddlewareHandler<AppEnv>[]): MiddlewareHandler<AppEnv> {
  if (steps.length === 0) throw new RangeError("chain() needs at least one step, got 0");
  if (steps.length === 1) return steps[0];
  const n = steps.length;
  return (c, next) => {
    const step = (i: number): Promise<Response | void> =>
      i === n ? next() : steps[i](c, () => step(i + 1) as Promise<void>);
    return step(0);
  };
}
