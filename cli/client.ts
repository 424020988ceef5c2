/** The API's error body: `{"error": {"code", "message", "details", "trace_id"}}`. */
export interface ApiErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  trace_id?: string;
}

/** A request the node refused (its error JSON), or a non-JSON failure. */
export class CliApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(`${body.code}: ${body.message}`);
    this.name = "CliApiError";
  }
}

/** The node could not be reached at all. */
export class UnreachableError extends Error {
  constructor(readonly url: string, cause: string) {
    super(`cannot reach ${url}: ${cause}`);
    this.name = "UnreachableError";
  }
}

/** What a request may carry. */
export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  /** A JSON body (sent as `application/json`). */
  json?: unknown;
  /** A raw body with its content type. */
  body?: BodyInit;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

/** The innermost message of a failed fetch ("Connection refused", not "fetch failed"). */
function causeOf(e: unknown): string {
  let cur = e as Error | undefined;
  let msg = cur?.message ?? String(e);
  for (let i = 0; cur && i < 5; i++) {
    if (cur.message) msg = cur.message;
    cur = cur.cause as Error | undefined;
  }
  return msg.replace(/^error sending request for url \([^)]*\): /, "");
}

/** Reads an error response into {@link CliApiError}, whatever its body. */
export async function errorOf(res: Response): Promise<CliApiError> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text);
    if (body && typeof body.error === "object" && typeof body.error.code === "string") {
      return new CliApiError(res.status, body.error);
    }
  } catch { /* not JSON */ }
  return new CliApiError(res.status, {
    code: `HTTP_${res.status}`,
    message: text.trim().slice(0, 300) || res.statusText || "request failed",
  });
}

/**
 * A small client of one node's HTTP API: sends the token as `Authorization: Bearer`,
 * turns error answers into {@link CliApiError} and connection failures into
 * {@link UnreachableError}.
 *
 * @example
 * ```ts
 * const api = new ApiClient("http://127.0.0.1:8080", token);
 * const status = await api.json("GET", "/api/v1/cluster");
 * ```
 */
export class ApiClient {
  constructor(
    readonly url: string,
    readonly token?: string,
    readonly fetcher: typeof fetch = fetch,
  ) {}

  /** The full URL of `path` with `query`. */
  href(path: string, query: RequestOptions["query"] = {}): string {
    const u = new URL(path, `${this.url}/`);
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined) u.searchParams.set(k, String(v));
    }
    return u.href;
  }

  /** Sends a request; resolves with the response when it is 2xx. */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: opts.accept ?? "application/json" };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let body = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers["content-type"] = "application/json";
    } else if (opts.contentType) headers["content-type"] = opts.contentType;
    let res: Response;
    try {
      res = await this.fetcher(this.href(path, opts.query), {
        method,
        headers,
        body,
        signal: opts.signal,
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") throw e;
      throw new UnreachableError(this.url, causeOf(e));
    }
    if (!res.ok) throw await errorOf(res);
    return res;
  }

  /** Sends a request and parses the JSON answer. */
  async json<T = Record<string, unknown>>(
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<T> {
    const res = await this.request(method, path, opts);
    return await res.json() as T;
  }

  /** The WebSocket URL of `path` (`ws:`/`wss:`), with the token as `?token=`. */
  wsHref(path: string): string {
    const u = new URL(this.href(path));
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    if (this.token) u.searchParams.set("token", this.token);
    return u.href;
  }
}
