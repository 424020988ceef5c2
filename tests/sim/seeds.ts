import { runScenario, SimFailure } from "./scenario.ts";

/**
 * Spreads the simulation seeds over several test files (seed mod {@link SIM_FILES}), so that
 * `deno test --parallel` runs them side by side. Environment:
 * - `SEED=n`: run only seed `n` (in the one file it belongs to);
 * - `SIM_SEEDS=n` (default 1000) and `SIM_SEED_START=s`: run seeds [s, s + n).
 * @module
 */

/** Number of test files sharing the seeds. */
export const SIM_FILES = 4;

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env: defaults
  }
}

/** The seeds test file `file` runs. */
export function seedsFor(file: number): number[] {
  const only = env("SEED");
  if (only !== undefined && only !== "") {
    const seed = Number(only);
    return seed % SIM_FILES === file ? [seed] : [];
  }
  const count = Number(env("SIM_SEEDS") ?? 1000);
  const start = Number(env("SIM_SEED_START") ?? 0);
  const seeds: number[] = [];
  for (let s = start; s < start + count; s++) if (s % SIM_FILES === file) seeds.push(s);
  return seeds;
}

/** Registers the test that runs file `file`'s seeds and reports every failing seed. */
export function simulationTest(file: number): void {
  const seeds = seedsFor(file);
  Deno.test({
    name: `simulation: ${seeds.length} seeds (seed mod ${SIM_FILES} = ${file})`,
    ignore: seeds.length === 0,
    fn() {
      const failures: string[] = [];
      for (const seed of seeds) {
        try {
          runScenario(seed);
        } catch (e) {
          if (!(e instanceof SimFailure)) throw e;
          console.error(e.message);
          failures.push(e.message);
          if (failures.length >= 3) break;
        }
      }
      if (failures.length > 0) {
        throw new Error(`${failures.length} failing seed(s):\n${failures.join("\n\n")}`);
      }
    },
  });
}
