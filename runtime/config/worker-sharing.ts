import type { SandboxOptions } from "../sandbox/sandbox.ts";
import type { Config } from "./schema.ts";

/**
 * The sandbox's Worker sharing options from the node's configuration: `agentsPerWorker`,
 * `spreadWorkers` and `sharedWorkerCpuMs`.
 *
 * @example
 * ```ts
 * new Sandbox({ store, nodeId: config.name, ...workerSharing(config) });
 * ```
 */
export function workerSharing(
  c: Pick<Config, "agentsPerWorker" | "spreadWorkers" | "sharedWorkerCpuMs">,
): Required<Pick<SandboxOptions, "maxAgentsPerWorker" | "spreadWorkers" | "sharedWorkerCpuMs">> {
  return {
    maxAgentsPerWorker: c.agentsPerWorker,
    spreadWorkers: c.spreadWorkers,
    sharedWorkerCpuMs: c.sharedWorkerCpuMs,
  };
}
