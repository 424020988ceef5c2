/**
 * The typed client library of a fipa-edge node's HTTP API: {@link FipaEdgeClient} (deploy,
 * update, stop, start, remove, send, sendAndWait, services, migrate, cluster, and the event
 * stream as an async iterator), one {@link ApiError} for every refusal, retries of 429 and
 * 503 after `Retry-After`. Its types are inferred from the node's own zod schemas through
 * type-only imports, so at run time it loads nothing of the node (only the pure backoff
 * schedule of `runtime/async/backoff.ts`). The CLI (`cli/`) is built on it.
 *
 * @example
 * ```ts
 * import { ApiError, FipaEdgeClient } from "./client/mod.ts";
 * const client = new FipaEdgeClient("http://127.0.0.1:8080");
 * const { reply } = await client.sendAndWait({ performative: "request", receiver: "echo", content: "ping" });
 * ```
 * @module
 */
export {
  type CallOptions,
  DEFAULT_URL,
  FipaEdgeClient,
  type SendOptions,
  type UploadOptions,
  type WaitOptions,
} from "./client.ts";
export { ApiError, type ApiErrorBody, retryAfterMs, UnreachableError } from "./errors.ts";
export { type EventStreamOptions, type EventStreamStatus } from "./events.ts";
export { type FormPart, multipartBody, progressStream } from "./multipart.ts";
export { receiverCount } from "./receivers.ts";
export { DEFAULT_RETRY, retryDelay, type RetryPolicy } from "./retry.ts";
export type { BackoffSchedule } from "../runtime/async/backoff.ts";
export {
  abortableSleep,
  type ClientOptions,
  type RequestOptions,
  type RetryInfo,
  type TokenSource,
  Transport,
} from "./transport.ts";
export type * from "./types.ts";
