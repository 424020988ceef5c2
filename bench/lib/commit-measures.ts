/**
 * The measuring code of the cluster benchmark, the same for every store: commit latency
 * with one client, commits per second with many, and failover after a leader's SIGKILL.
 * @module
 */
import type { WriteClient } from "./write-clients.ts";

/** Item numbers unique within this process, so no write repeats an earlier one. */
let nextItem = 0;
function item(): number {
  return nextItem++;
}

/** Sequential writes to one endpoint; each commit's latency in ms (after `warmup`). */
export async function commitLatencies(
  c: WriteClient,
  endpoint: number,
  n: number,
  warmup = 100,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await c.write(item(), endpoint);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await c.write(item(), endpoint);
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * `clients` concurrent writers, each writing one item after another to `endpoint` for
 * `seconds` (after a 1 s warm-up); committed writes per second.
 *
 * @throws {Error} when any write fails.
 */
export async function commitRate(
  c: WriteClient,
  endpoint: number,
  clients: number,
  seconds: number,
): Promise<number> {
  const phase = async (ms: number) => {
    let done = 0;
    const t0 = performance.now();
    const until = t0 + ms;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < until) {
          await c.write(item(), endpoint);
          done++;
        }
      }),
    );
    return (done * 1000) / (performance.now() - t0);
  };
  await phase(1000);
  return await phase(seconds * 1000);
}

/** What a failover trial saw. */
export interface FailoverResult {
  /** From the SIGKILL to the end of the first committed write, ms. */
  ms: number;
  /** Write attempts that failed (or timed out) meanwhile. */
  failedAttempts: number;
}

/**
 * Kills the leader with SIGKILL, then starts a write every `everyMs` (default 50), in turn
 * to the surviving endpoints, without waiting for earlier ones (a write may hang until its
 * `attemptMs` timeout, e.g. one forwarded to the dead leader); the result is the time to the
 * end of the first write that commits. Resolves once every attempt has settled.
 */
export async function failover(
  c: WriteClient,
  opts: {
    endpoints: number;
    leader: number;
    kill: () => Promise<void>;
    everyMs?: number;
    attemptMs?: number;
    giveUpMs?: number;
  },
): Promise<FailoverResult> {
  const survivors = [...Array(opts.endpoints).keys()].filter((i) => i !== opts.leader);
  const giveUpMs = opts.giveUpMs ?? 30_000;
  const attempts: Promise<void>[] = [];
  let failed = 0;
  let firstOk: number | undefined;
  const t0 = performance.now();
  await opts.kill();
  const { promise: committed, resolve } = Promise.withResolvers<void>();
  const fire = () => {
    const k = attempts.length;
    attempts.push(
      c.write(item(), survivors[k % survivors.length], opts.attemptMs ?? 5000).then(() => {
        firstOk ??= performance.now() - t0;
        resolve();
      }, () => void failed++),
    );
  };
  fire();
  const timer = setInterval(fire, opts.everyMs ?? 50);
  const giveUp = setTimeout(resolve, giveUpMs);
  await committed;
  clearInterval(timer);
  clearTimeout(giveUp);
  await Promise.allSettled(attempts);
  if (firstOk === undefined) {
    throw new Error(`no write committed within ${giveUpMs} ms of the SIGKILL`);
  }
  return { ms: firstOk, failedAttempts: failed };
}
