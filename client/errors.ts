import type { ErrorCode } from "./types.ts";

/**
 * The `error` object of an error answer as the client reads it: the API's (see
 * `ErrorBody` in `types.ts`), or `HTTP_<status>` and a text for an answer that is not the API's.
 */
export interface ApiErrorBody {
  /** The API's error code, or `HTTP_<status>`. */
  code: ErrorCode | `HTTP_${number}`;
  /** What went wrong, naming the bad value. */
  message: string;
  /** Machine-readable facts (e.g. the bad field's `path`). */
  details?: Record<string, unknown>;
  /** The request's trace id in the node's logs. */
  trace_id?: string;
}

/**
 * A request the node refused: its HTTP status and the fields of its JSON error body
 * (`code`, message, `details`, `trace_id`). An answer that is not the API's error JSON (a
 * proxy's HTML page, say) gets the code `HTTP_<status>` and the start of its text.
 *
 * @example
 * ```ts
 * try {
 *   await client.agent("nope");
 * } catch (e) {
 *   if (e instanceof ApiError && e.code === "AGENT_NOT_FOUND") console.log(e.traceId);
 * }
 * ```
 */
export class ApiError extends Error {
  /** The API's error code, e.g. `AGENT_NOT_FOUND`, or `HTTP_<status>` for a non-API answer. */
  readonly code: ErrorCode | `HTTP_${number}`;
  /** Machine-readable facts about the error (the body's `details`). */
  readonly details: Record<string, unknown>;
  /** The trace id the node logged the request under (`X-Trace-Id`). */
  readonly traceId: string | undefined;
  /** The wait the node asked for (`Retry-After`), in ms, when it sent one. */
  readonly retryAfterMs: number | undefined;

  /** An error of `status` with the fields of the node's error body. */
  constructor(
    /** The HTTP status. */
    readonly status: number,
    body: ApiErrorBody,
    retryAfterMs?: number,
  ) {
    super(body.message);
    this.name = "ApiError";
    this.code = body.code;
    this.details = body.details ?? {};
    this.traceId = body.trace_id;
    this.retryAfterMs = retryAfterMs;
  }

  /** The error as the API's body has it (`code`, `message`, `details`, `trace_id`). */
  get body(): ApiErrorBody {
    return {
      code: this.code,
      message: this.message,
      details: this.details,
      ...(this.traceId ? { trace_id: this.traceId } : {}),
    };
  }
}

/** The node could not be reached at all (refused, DNS, TLS): nothing was answered. */
export class UnreachableError extends Error {
  /** The node at `url` could not be reached, for `reason`. */
  constructor(
    /** The node's base URL. */
    readonly url: string,
    /** The innermost cause ("Connection refused"). */
    readonly reason: string,
  ) {
    super(`cannot reach ${url}: ${reason}`);
    this.name = "UnreachableError";
  }
}

/**
 * `Retry-After` in ms: delay-seconds or an HTTP date (measured from `now`); `undefined`
 * when absent or unreadable. Pure.
 *
 * @example
 * ```ts
 * retryAfterMs("2"); // 2000
 * ```
 */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d{1,9}$/.test(v)) return Number(v) * 1000;
  // An HTTP date names its day and month ("Thu, 01 Jan 2026 00:00:03 GMT").
  const at = /[A-Za-z]{3}/.test(v) ? Date.parse(v) : NaN;
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** Reads an error response into an {@link ApiError}, whatever its body. */
export async function errorOf(res: Response): Promise<ApiError> {
  const wait = retryAfterMs(res.headers.get("retry-after"));
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text);
    if (body && typeof body.error === "object" && typeof body.error.code === "string") {
      return new ApiError(res.status, body.error, wait);
    }
  } catch { /* not JSON */ }
  return new ApiError(res.status, {
    code: `HTTP_${res.status}`,
    message: text.trim().slice(0, 300) || res.statusText || "request failed",
    trace_id: res.headers.get("x-trace-id") ?? undefined,
  }, wait);
}

/** The innermost message of a failed fetch ("Connection refused", not "fetch failed"). */
export function causeOf(e: unknown): string {
  let cur = e as Error | undefined;
  let msg = cur?.message ?? String(e);
  for (let i = 0; cur && i < 5; i++) {
    if (cur.message) msg = cur.message;
    cur = cur.cause as Error | undefined;
  }
  return msg.replace(/^error sending request for url \([^)]*\): /, "");
}
