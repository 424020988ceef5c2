/**
 * Deployment strategies as clients give them (`POST /api/v1/deployments`, the seed's
 * "Deployment API"): `immediate`, `blue_green`, `canary` (stages of percentage and duration)
 * and `rolling`. Validated here, at the trust boundary; durations become milliseconds.
 * @module
 */
import { z } from "zod";

/** Longest stage or window, ms (one day). */
export const MAX_DURATION_MS = 86_400_000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration: `"0"`, `"500ms"`, `"30s"`, `"5m"`, `"1h"` (a bare number is seconds), or a
 * number of seconds; at most a day. Parses to milliseconds.
 */
export const DurationSchema = z.union([z.number().nonnegative(), z.string().max(32)]).transform(
  (v, ctx) => {
    if (typeof v === "number") return v * 1000;
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
    if (!m) {
      ctx.addIssue({
        code: "custom",
        message: `duration '${v}' is not a number with a unit ms, s, m or h (e.g. "30s")`,
      });
      return z.NEVER;
    }
    return Math.round(Number(m[1]) * UNIT_MS[m[2] ?? "s"]);
  },
).pipe(z.number().max(MAX_DURATION_MS, "a duration is at most 24h"));

/** One canary stage: the share of new conversations the new version takes, for how long. */
export const CanaryStageSchema = z.strictObject({
  percentage: z.number().min(0, "percentage must be 0 to 100").max(
    100,
    "percentage must be 0 to 100",
  ),
  duration: DurationSchema,
});

/** A canary stage with its duration in ms. */
export type CanaryStage = z.output<typeof CanaryStageSchema>;

/** How many of the new version's outcomes an error rate needs before it can roll back. */
export const DEFAULT_MIN_SAMPLES = 20;

const Canary = z.strictObject({
  type: z.literal("canary"),
  stages: z.array(CanaryStageSchema).min(1).max(20).superRefine((stages, ctx) => {
    for (let i = 1; i < stages.length; i++) {
      if (stages[i].percentage < stages[i - 1].percentage) {
        ctx.addIssue({
          code: "custom",
          path: [i, "percentage"],
          message: "stage percentages must not decrease",
        });
      }
    }
    if (stages.length > 0 && stages.at(-1)!.percentage !== 100) {
      ctx.addIssue({
        code: "custom",
        path: [stages.length - 1, "percentage"],
        message: "the last stage must be at 100 percent",
      });
    }
  }),
  rollback_on_error: z.boolean().default(true),
  /** The new version's error rate (0 to 1) above which it is rolled back. */
  error_threshold: z.number().min(0).max(1).default(0.05),
  min_samples: z.number().int().min(1).max(1_000_000).default(DEFAULT_MIN_SAMPLES),
});

const BlueGreen = z.strictObject({
  type: z.literal("blue_green"),
  /** How long the old version stays ready after the switch (the rollback window). */
  rollback_window: DurationSchema.default(60_000),
  rollback_on_error: z.boolean().default(true),
  error_threshold: z.number().min(0).max(1).default(0.05),
  min_samples: z.number().int().min(1).max(1_000_000).default(DEFAULT_MIN_SAMPLES),
});

const Immediate = z.strictObject({ type: z.literal("immediate") });

const Rolling = z.strictObject({
  type: z.literal("rolling"),
  batch_size: z.number().int().min(1).max(1000).default(1),
  /** Time between two batches (after the first), ms. */
  pause: DurationSchema.default(0),
});

/**
 * A deployment strategy. A bare string (`"immediate"`, `"blue_green"`, …) takes the
 * defaults; `canary` needs its stages.
 */
export const StrategySchema = z.preprocess(
  (v) => (typeof v === "string" ? { type: v } : v),
  z.discriminatedUnion("type", [Immediate, BlueGreen, Canary, Rolling], {
    error: (i) =>
      i.code === "invalid_union"
        ? "strategy type must be one of immediate, blue_green, canary, rolling"
        : undefined,
  }),
);

/** A validated strategy (durations in ms). */
export type Strategy = z.output<typeof StrategySchema>;

const DocDuration = z.union([z.number().nonnegative(), z.string().max(32)]).meta({
  description: 'a duration: "0", "500ms", "30s", "5m", "1h" (a bare number is seconds)',
});

/**
 * The shape of {@link StrategySchema} for the API reference (no transforms: durations as
 * given). Requests are validated with {@link StrategySchema}.
 */
export const StrategyDocSchema = z.union([
  z.enum(["immediate", "blue_green", "canary", "rolling"]),
  z.discriminatedUnion("type", [
    Immediate,
    BlueGreen.extend({ rollback_window: DocDuration.optional() }),
    Canary.extend({
      stages: z.array(
        z.strictObject({ percentage: z.number().min(0).max(100), duration: DocDuration }),
      )
        .min(1).max(20),
    }),
    Rolling.extend({ pause: DocDuration.optional() }),
  ]),
]).meta({ id: "DeploymentStrategy" });
