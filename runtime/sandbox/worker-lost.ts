import { ApiError } from "../errors/mod.ts";

/** `details.reason` of the error of a call that a Worker lost by a neighbour left unanswered. */
export const WORKER_LOST = "worker-lost";

/**
 * The error a call gets when its agent's Worker was stopped because a neighbour hung and
 * the host starts the agent again itself (`HostCallbacks.onWorkerLost`): `AGENT_UNAVAILABLE`
 * with `details.reason` {@link WORKER_LOST}. The agent did nothing wrong: the call may be
 * made again on its new instance.
 */
export function workerLostError(agent: string, why: string): ApiError {
  return new ApiError(
    "AGENT_UNAVAILABLE",
    `Agent ${agent} lost its Worker: ${why}`,
    { agent, reason: WORKER_LOST, message: why },
    { headers: { "Retry-After": "1" } },
  );
}

/** Whether `e` is a {@link workerLostError}. */
export function isWorkerLost(e: unknown): boolean {
  return e instanceof ApiError && e.code === "AGENT_UNAVAILABLE" &&
    e.details.reason === WORKER_LOST;
}
