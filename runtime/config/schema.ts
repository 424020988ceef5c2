import { z } from "zod";

/** Log levels, most verbose first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** One log level. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Documented defaults of every setting (also printed by `--help`). */
export const DEFAULTS = {
  host: "127.0.0.1",
  port: 8080,
  dataDir: ".data/node",
  name: "node1",
  logLevel: "info",
  p2pPort: 9001,
  join: [] as string[],
  maxBodyBytes: 1_048_576,
} as const;

const Port = z.coerce.number().int().min(0).max(65535);

/**
 * The node's configuration after merging flags, environment and an optional config file.
 * A node name becomes the platform part of agent names (`echo@<name>`), so it may not
 * contain `@`, whitespace or parentheses.
 */
export const ConfigSchema = z.strictObject({
  host: z.string().min(1).default(DEFAULTS.host),
  port: Port.default(DEFAULTS.port),
  dataDir: z.string().min(1).default(DEFAULTS.dataDir),
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,62}$/, "letters, digits and . _ : - (at most 63)")
    .default(DEFAULTS.name),
  logLevel: z.enum(LOG_LEVELS).default(DEFAULTS.logLevel),
  p2pPort: Port.default(DEFAULTS.p2pPort),
  join: z.array(z.string().min(1)).default([]),
  maxBodyBytes: z.coerce.number().int().min(1024).max(1 << 30).default(DEFAULTS.maxBodyBytes),
});

/** A validated configuration. */
export type Config = z.infer<typeof ConfigSchema>;
