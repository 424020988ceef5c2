import { LOG_LEVELS, type LogLevel } from "../config/mod.ts";

/** Fields attached to a log record. */
export type LogFields = Record<string, unknown>;

/** A structured logger writing one JSON object per line. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every record. */
  child(fields: LogFields): Logger;
  /** Whether records of `level` are written (to skip building costly ones). */
  enabled(level: LogLevel): boolean;
}

/** Where log lines go; the default writes to stderr. */
export type LogSink = (line: string) => void;

const encoder = new TextEncoder();
const stderrSink: LogSink = (line) => Deno.stderr.writeSync(encoder.encode(line + "\n"));

/**
 * Creates a JSON-lines logger. Records below `level` are dropped before any formatting.
 *
 * @example
 * ```ts
 * const log = createLogger("info");
 * log.info("listening", { port: 8080 }); // {"ts":"...","level":"info","msg":"listening","port":8080}
 * ```
 */
export function createLogger(
  level: LogLevel,
  sink: LogSink = stderrSink,
  base: LogFields = {},
  now: () => Date = () => new Date(),
): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const write = (lvl: LogLevel, msg: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(lvl) < min) return;
    const rec = { ts: now().toISOString(), level: lvl, msg, ...base, ...fields };
    sink(JSON.stringify(rec, (_k, v) => (v instanceof Error ? { error: v.message } : v)));
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger(level, sink, { ...base, ...fields }, now),
    enabled: (lvl) => LOG_LEVELS.indexOf(lvl) >= min,
  };
}

/** A logger that discards everything (for tests and benchmarks). */
export const silentLogger: Logger = createLogger("error", () => {});
