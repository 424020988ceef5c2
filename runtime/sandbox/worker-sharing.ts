/**
 * How agents share sandbox Workers: how many to one Worker at most, and over how many Workers
 * they are spread before any is filled. The node's `agentsPerWorker` and `spreadWorkers`
 * settings (runtime/config) and {@link Sandbox} options share these defaults and bounds.
 * @module
 */

/**
 * Default of `SandboxOptions.maxAgentsPerWorker`. Load spread over many agents is
 * cheaper in few Workers: each Worker woken for a call costs a thread switch, its own cold
 * V8 heap and caches, and its own garbage collection, and the calls a main-thread turn posts
 * to one Worker cross together only if they go to the same Worker. Measured on 2 cores with
 * send-and-wait over 1,000 tiny agents: 32 to a Worker (32 Workers) cost ~260 µs of CPU per
 * request, 256 to a Worker (4 Workers) ~160 µs, against ~115 µs for one agent.
 */
export const AGENTS_PER_WORKER = 256;

/** Largest `maxAgentsPerWorker` (`agentsPerWorker`): one Worker's heap holds them all. */
export const MAX_AGENTS_PER_WORKER = 65_536;

/** Default of `SandboxOptions.spreadWorkers`: co-located agents talk faster. */
export const SPREAD_WORKERS = 1;

/** Largest `spreadWorkers`: each is a thread of its own. */
export const MAX_SPREAD_WORKERS = 1024;

/**
 * Checks Worker sharing options: whole numbers from 1 to {@link MAX_AGENTS_PER_WORKER} and
 * {@link MAX_SPREAD_WORKERS}.
 * @throws {RangeError} naming the option and the value.
 * @example
 * ```ts
 * checkWorkerSharing({ maxAgentsPerWorker: 256, spreadWorkers: 1 }); // fine
 * checkWorkerSharing({ maxAgentsPerWorker: 0, spreadWorkers: 1 }); // RangeError
 * ```
 */
export function checkWorkerSharing(
  o: { maxAgentsPerWorker: number; spreadWorkers: number },
): void {
  inRange("maxAgentsPerWorker", o.maxAgentsPerWorker, MAX_AGENTS_PER_WORKER);
  inRange("spreadWorkers", o.spreadWorkers, MAX_SPREAD_WORKERS);
}

function inRange(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 1 || v > max) {
    throw new RangeError(`sandbox ${name} must be a whole number from 1 to ${max}, got ${v}`);
  }
}
