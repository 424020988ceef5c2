/**
 * Test-only fault injection for migrations. A node started with the environment variable
 * `FIPA_EDGE_FAULT=migrate:<role>:<phase>` exits (as if killed) when a migration it takes
 * part in reaches that phase; the variable is read once, at startup. Phases:
 *
 * | value | the process exits |
 * | --- | --- |
 * | `migrate:source:before-transfer` | source: agent paused and snapshot persisted, nothing sent |
 * | `migrate:source:after-transfer` | source: target restored and persisted it, move not committed |
 * | `migrate:source:after-commit` | source: move committed, agent and held messages not released |
 * | `migrate:target:receive` | target: snapshot arriving, nothing verified or stored |
 * | `migrate:target:after-transfer` | target: snapshot verified, restored, persisted; source not answered |
 * | `migrate:target:after-commit` | target: commit seen and agent adopted, held messages not received |
 *
 * One more value is not a migration fault: `sandbox:no-grant-check` starts a node whose agents'
 * host functions skip their own check of `net` and `files` grants (see
 * `GRANT_CHECK_FAULT` in `runtime/sandbox/sandbox.ts`), so that Deno's permissions refuse alone.
 * @module
 */

/** Where a migration can be made to fail. */
export const FAULT_PHASES = [
  "source:before-transfer",
  "source:after-transfer",
  "source:after-commit",
  "target:receive",
  "target:after-transfer",
  "target:after-commit",
] as const;

/** One fault phase. */
export type FaultPhase = typeof FAULT_PHASES[number];

/** The environment variable that names a fault. */
export const FAULT_ENV = "FIPA_EDGE_FAULT";

/**
 * Parses a fault setting (`migrate:<role>:<phase>`); undefined for an empty one. Pure.
 *
 * @throws {RangeError} naming the bad value.
 */
export function parseFault(value: string | undefined): FaultPhase | undefined {
  if (value === undefined || value === "") return undefined;
  const phase = value.startsWith("migrate:") ? value.slice("migrate:".length) : "";
  if (!(FAULT_PHASES as readonly string[]).includes(phase)) {
    throw new RangeError(
      `${FAULT_ENV}=${JSON.stringify(value)} is not one of ${
        FAULT_PHASES.map((p) => `migrate:${p}`).join(", ")
      }`,
    );
  }
  return phase as FaultPhase;
}

/** Something that may stop the process at a phase (a no-op unless a fault is set). */
export interface FaultHook {
  /** Stops the process if `phase` is the configured one. */
  at(phase: FaultPhase): void;
  /** Whether `phase` is the configured one. */
  armed(phase: FaultPhase): boolean;
}

/**
 * A hook that calls `exit` at the configured phase, after `beforeExit` (e.g. a log line).
 *
 * @example
 * ```ts
 * const faults = faultHook(parseFault(Deno.env.get(FAULT_ENV)), (c) => Deno.exit(c));
 * faults.at("source:after-commit");
 * ```
 */
export function faultHook(
  phase: FaultPhase | undefined,
  exit: (code: number) => void,
  beforeExit: (phase: FaultPhase) => void = () => {},
): FaultHook {
  return {
    armed: (p) => p === phase,
    at(p) {
      if (p !== phase) return;
      beforeExit(p);
      exit(86);
    },
  };
}
