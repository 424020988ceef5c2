/**
 * The fipa-edge CLI: argument parsing and output formatting (pure), the progress display
 * (its HTTP calls go through the client library in `client/`), and {@link runCli} which runs one command line against injected I/O.
 * `cli/main.ts` is the entry point (`deno task cli`).
 * @module
 */
export {
  type BuiltMessage,
  type Command,
  COMMAND_FLAGS,
  COMMANDS,
  type ConfigSource,
  DEFAULT_URL,
  type GlobalOptions,
  type Invocation,
  parseCli,
  parseConfigFlag,
  parseConfigJson,
  UsageError,
} from "./args.ts";
export { ApiError, type ApiErrorBody, UnreachableError } from "../client/mod.ts";
export {
  type Column,
  formatAgent,
  formatAgentList,
  formatApiError,
  formatCluster,
  formatDirectoryList,
  formatEvent,
  formatLifecycle,
  formatReply,
  formatRestart,
  formatSent,
  formatTable,
} from "./format.ts";
export { helpText } from "./help.ts";
export { denoIo } from "./io.ts";
export { builtBody, type MessageBody, messageBody } from "./message-input.ts";
export { type FormPart, multipartBody, progressStream } from "../client/mod.ts";
export {
  formatBytes,
  formatDuration,
  Progress,
  type ProgressSink,
  renderBar,
  renderSpinner,
  SPINNER,
  stderrSink,
} from "./progress.ts";
export { type CliIo, EXIT, runCli, subscription } from "./run.ts";
