/**
 * Structured JSON logging.
 * @module
 */
export { createLogger, type LogFields, type Logger, type LogSink, silentLogger } from "./logger.ts";
