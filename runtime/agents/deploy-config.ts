import { z } from "zod";
import { ByteSizeSchema, LimitsSchema, ManifestSchema } from "../sandbox/mod.ts";
import { MAX_REPLICAS } from "../directory/mod.ts";
import { DEFAULT_RESTART, type RestartStrategy, RestartStrategySchema } from "./restart.ts";

/** An agent's local name: unique in the cluster, addressed as `name` or `name@<platform>`. */
export const AgentLocalNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
    "letters, digits and . _ - (at most 128, starting with a letter or digit); no '@'",
  );

/** A number of instances: a whole number from 1 to {@link MAX_REPLICAS}. */
export const ReplicasSchema = z.number({ error: "replicas must be a number" }).int(
  "replicas must be a whole number",
).min(1, "replicas must be at least 1").max(
  MAX_REPLICAS,
  `replicas must be at most ${MAX_REPLICAS}`,
);

const RestartInput = z.union([
  z.enum(["immediate", "backoff", "max_failures", "none"]).transform((type) =>
    RestartStrategySchema.parse({ type })
  ),
  RestartStrategySchema,
]);

/**
 * When a deployed agent first runs: `on-deploy` (the default) activates it before the deploy
 * answers; `on-message` registers it asleep (scale to zero at deploy: state `hibernated`,
 * no instance) and its first message, timer or `POST /api/v1/agents/{id}/start` starts it
 * fresh (`init` runs then).
 */
export const START_MODES = ["on-deploy", "on-message"] as const;

/** One of {@link START_MODES}. */
export type StartMode = typeof START_MODES[number];

/**
 * The `config` part of a deployment (`POST /api/v1/agents`). Beyond our own fields it takes
 * the Caxton shape: `resources.memory` is the memory limit, and `strategy` (a deployment
 * strategy) must be `immediate`, the only one a single instance can follow.
 */
export const DeployConfigSchema = z.strictObject({
  name: AgentLocalNameSchema,
  version: z.string().min(1).max(64).default("1.0.0"),
  manifest: ManifestSchema.default(ManifestSchema.parse({})),
  limits: LimitsSchema.default(LimitsSchema.parse({})),
  restart: RestartInput.default(DEFAULT_RESTART),
  /** Idle time before hibernation, seconds (default 300); 0 never hibernates. */
  hibernate_after_seconds: z.number().min(0).max(86_400 * 365).optional(),
  strategy: z.literal("immediate", {
    error: "only the 'immediate' deployment strategy applies to a single agent instance",
  }).optional(),
  resources: z.strictObject({
    memory: ByteSizeSchema.optional(),
    cpu: z.union([z.string(), z.number()]).optional(),
  }).optional(),
  /**
   * How many instances to run (default 1); more than one only for a stateless agent
   * (`manifest.stateless`), at most {@link MAX_REPLICAS}.
   */
  replicas: ReplicasSchema.optional(),
  /** When it first runs (default `on-deploy`): see {@link START_MODES}. */
  start: z.enum(START_MODES, {
    error: (i) =>
      `start must be one of ${START_MODES.map((m) => `'${m}'`).join(", ")}, not ${
        JSON.stringify(i.input)
      }`,
  }).optional(),
}).refine((c) => c.start !== "on-message" || (c.replicas ?? 1) === 1, {
  error: (i) =>
    `start 'on-message' applies to one instance; replicas is ${
      (i.input as { replicas?: number }).replicas
    }`,
  path: ["start"],
}).transform((c) => {
  const limits = { ...c.limits };
  if (c.resources?.memory !== undefined) limits.memory = c.resources.memory;
  return {
    name: c.name,
    version: c.version,
    manifest: c.manifest,
    limits,
    restart: c.restart as RestartStrategy,
    hibernate_after_seconds: c.hibernate_after_seconds,
    ...(c.replicas === undefined ? {} : { replicas: c.replicas }),
    ...(c.start === "on-message" ? { start: c.start } : {}),
  };
});

/** A validated deployment config. */
export type DeployConfig = z.output<typeof DeployConfigSchema>;

/** A partial config for an update (`PUT /api/v1/agents/{id}`): the name cannot change. */
export const UpdateConfigSchema = z.strictObject({
  version: z.string().min(1).max(64).optional(),
  manifest: ManifestSchema.optional(),
  limits: LimitsSchema.optional(),
  restart: RestartInput.optional(),
  hibernate_after_seconds: z.number().min(0).max(86_400 * 365).optional(),
});

/** A validated update. */
export type UpdateConfig = z.output<typeof UpdateConfigSchema>;

/** An update of an agent: a new component and/or config, and who made it. */
export interface AgentUpdate {
  /** The new component (absent: the agent keeps its own). */
  bytes?: Uint8Array;
  config?: UpdateConfig;
  /** The signer of a new component. */
  publisherKeyId?: string;
  deployedBy?: string;
}
