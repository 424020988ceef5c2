/**
 * The logger the network layer writes to: structurally compatible with `console` and with
 * most structured loggers (`message`, then an object of fields).
 * @module
 */

/** A sink for the network layer's log lines. */
export interface NetLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything (the default). */
export const silentLogger: NetLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
