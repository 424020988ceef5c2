/**
 * fast-check for the test suite, seeded. Every `deno task test` draws the same cases, so a
 * property test passes or fails the same way on every run: a failure is a bug to fix, never
 * a flake. New cases are drawn on purpose by `deno task fuzz`, which sets
 * `FIPA_EDGE_FC_SEED=random`; a failure there prints its seed, and
 * `FIPA_EDGE_FC_SEED=<seed> deno test -A <file>` replays it.
 *
 * Test files import `fc` from here, never from `fast-check` directly (checked by
 * `tests/unit/property-seed.test.ts`).
 * @module
 */
import fc from "fast-check";

/** The seed of `deno task test`: fixed, so the suite is deterministic. */
export const SUITE_SEED = 20261207;

/** The seed this process uses: `FIPA_EDGE_FC_SEED` (a number or `random`) or {@link SUITE_SEED}. */
export function propertySeed(env: string | undefined): number {
  if (env === undefined || env === "") return SUITE_SEED;
  if (env === "random") return (Math.random() * 0x7fffffff) | 0;
  const n = Number(env);
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(
      `FIPA_EDGE_FC_SEED must be an integer or 'random', got '${env}'`,
    );
  }
  return n;
}

fc.configureGlobal({
  ...fc.readConfigureGlobal(),
  seed: propertySeed(Deno.env.get("FIPA_EDGE_FC_SEED")),
});

export default fc;
