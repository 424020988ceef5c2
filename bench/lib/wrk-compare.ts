/**
 * Request rates of several server variants under the same wrk load, measured alternately
 * in one run (server pinned to CPU 0, wrk to CPU 1 when there are two), best of `rounds`.
 */
import { processCpuMs } from "./node-process.ts";
import { startServer } from "./server-process.ts";
import { ensureWrk, wrkPost } from "./wrk.ts";

/** One server variant: a script that prints `LISTENING <url>`, with its arguments. */
export interface ServerVariant {
  name: string;
  script: URL;
  args?: string[];
  env?: Record<string, string>;
}

/** The best round of one variant. */
export interface VariantRate {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /**
   * CPU time of the server process (all threads) per request in the timed run, µs: steadier
   * than the rate on a machine shared with other work. The least over the rounds.
   */
  cpuUs: number;
}

/**
 * POSTs `body` to `path` of each variant for `seconds` (after a 1 s warm-up), `rounds`
 * times in turn, and keeps each variant's best round.
 *
 * @throws {Error} when a variant answers anything but 2xx.
 */
export async function compareServers(
  variants: ServerVariant[],
  request: {
    path: string;
    body: string;
    contentType?: string;
    /** Request headers per variant name (e.g. its token). */
    headers?: Record<string, Record<string, string>>;
  },
  opts: { rounds?: number; seconds?: number; connections?: number } = {},
): Promise<Record<string, VariantRate>> {
  await ensureWrk();
  const two = navigator.hardwareConcurrency >= 2;
  const best: Record<string, VariantRate> = {};
  for (let round = 0; round < (opts.rounds ?? 2); round++) {
    for (const v of variants) {
      const server = await startServer(v.script, two ? 0 : undefined, {
        args: v.args,
        env: v.env,
      });
      try {
        const load = (seconds: number) =>
          wrkPost({
            url: `${server.url}${request.path}`,
            body: request.body,
            contentType: request.contentType ?? "application/json",
            headers: request.headers?.[v.name],
            seconds,
            connections: opts.connections,
            cpu: two ? 1 : undefined,
          });
        await load(1);
        const cpu0 = processCpuMs(server.pid);
        const r = await load(opts.seconds ?? 5);
        const cpuUs = (processCpuMs(server.pid) - cpu0) * 1000 / (r.rps * (opts.seconds ?? 5));
        if (r.non2xx > 0) throw new Error(`${v.name}: ${r.non2xx} non-2xx responses`);
        const least = Math.min(cpuUs, best[v.name]?.cpuUs ?? Infinity);
        if (!best[v.name] || r.rps > best[v.name].rps) {
          best[v.name] = { rps: r.rps, p50Ms: r.latencyP50Ms, p99Ms: r.latencyP99Ms, cpuUs };
        }
        best[v.name].cpuUs = least;
      } finally {
        await server.stop();
      }
    }
  }
  return best;
}
