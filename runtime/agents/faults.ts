/**
 * Fault injection into the agent manager's lifecycle operations, for tests that show each
 * failure path undoes only what it did (as `runtime/migration/fault.ts` does for moves).
 * @module
 */

/** The steps of deploy, update, start, delete and a move's pause where a fault may strike. */
export const LIFECYCLE_STEPS = [
  "deploy.register",
  "deploy.activate",
  "deploy.persist",
  "update.persist",
  "update.activate",
  "start.activate",
  "start.persist",
  "delete.persist",
  "move.hold",
  "move.capture",
] as const;

/** One step of a lifecycle operation. */
export type LifecycleStep = typeof LIFECYCLE_STEPS[number];

/**
 * Called just before each step with the agent's name; what it throws fails the operation at
 * that step. Absent in production.
 */
export type FaultHook = (step: LifecycleStep, agent: string) => void | Promise<void>;
