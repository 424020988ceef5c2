/**
 * Calls `check` every `intervalMs` until it returns a value (not `undefined`), and resolves
 * with it; errors from `check` count as "not yet" and the last one is named on timeout.
 *
 * @throws {Error} `timed out waiting for <what>` after `timeoutMs`.
 * @example
 * ```ts
 * const leader = await pollUntil("a leader", () => status().leader ?? undefined, { timeoutMs: 5000 });
 * ```
 */
export async function pollUntil<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const intervalMs = opts.intervalMs ?? 100;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
}
