/**
 * Node configuration: flags, environment variables and an optional config file.
 * @module
 */
export {
  type Config,
  ConfigSchema,
  DEFAULTS,
  LOG_LEVELS,
  type LogLevel,
  RATE_LIMIT_DEFAULTS,
  type RateLimits,
  RateLimitsSchema,
  RateSchema,
} from "./schema.ts";
export { agentBounds } from "./agent-bounds.ts";
export { workerSharing } from "./worker-sharing.ts";
export { ConfigError, helpText, loadConfig, type LoadResult } from "./load.ts";
