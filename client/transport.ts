import { ApiError, causeOf, errorOf, UnreachableError } from "./errors.ts";
import { DEFAULT_RETRY, retryDelay, type RetryPolicy } from "./retry.ts";

/** Where the client finds its token: a fixed string, or a function asked before each request. */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

/** A retry the client is about to make (for {@link ClientOptions.onRetry}). */
export interface RetryInfo {
  /** The request's method. */
  method: string;
  /** The request's path. */
  path: string;
  /** 1 for the first retry. */
  retry: number;
  /** How long the client waits first, in ms (the node's `Retry-After` when it sent one). */
  delayMs: number;
  /** The refusal that caused it. */
  error: ApiError;
}

/** How a {@link FipaEdgeClient} talks to its node. Everything but `url` is optional. */
export interface ClientOptions {
  /** The node's base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The API token (sent as `Authorization: Bearer`, and `?token=` on the WebSocket). */
  token?: TokenSource;
  /** The retry policy for 429 and 503 answers; fields given replace the defaults. */
  retry?: Partial<RetryPolicy>;
  /** Called before each retry (to log or show it). */
  onRetry?: (info: RetryInfo) => void;
  /** The `fetch` to use (tests and proxies inject their own). */
  fetch?: typeof fetch;
  /** Opens the event WebSocket (default: `new WebSocket(url)`). */
  webSocket?: (url: string) => WebSocket;
  /** Waits `ms` or until `signal` aborts (for retries and reconnects); default `setTimeout`. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What one request carries. */
export interface RequestOptions {
  /** Query parameters; `undefined` values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** A JSON body (sent as `application/json`). */
  json?: unknown;
  /** A raw body, built afresh for each attempt (a stream cannot be sent twice). */
  body?: () => BodyInit;
  /** The content type of `body`. */
  contentType?: string;
  /** `Accept` (default `application/json`). */
  accept?: string;
  /** More request headers. */
  headers?: Record<string, string>;
  /** Aborts the request, and any wait before a retry. */
  signal?: AbortSignal;
  /** `false`: never retry this request, whatever the policy says. */
  retry?: boolean;
}

/** Waits `ms`, or less when `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done);
  });
}

/**
 * One node's HTTP API at the level of requests: base URL and token, the error JSON turned
 * into {@link ApiError}, connection failures into {@link UnreachableError}, and retries of
 * 429 and 503 answers after the node's `Retry-After` (or a backoff when it sent none).
 */
export class Transport {
  /** The node's base URL, without a trailing slash. */
  readonly url: string;
  readonly #policy: RetryPolicy;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  /** The transport of a client with `options`. */
  constructor(readonly options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, "");
    this.#policy = { ...DEFAULT_RETRY, ...options.retry };
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#sleep = options.sleep ?? abortableSleep;
  }

  /** The full URL of `path` with `query`. */
  href(path: string, query: RequestOptions["query"] = {}): string {
    const u = new URL(path, `${this.url}/`);
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined) u.searchParams.set(k, String(v));
    }
    return u.href;
  }

  /** The token for the next request, if any. */
  async token(): Promise<string | undefined> {
    const t = this.options.token;
    return typeof t === "function" ? await t() : t;
  }

  /** Waits as the client's retries and reconnects do. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.#sleep(ms, signal);
  }

  /**
   * Sends a request and resolves with the response when it is 2xx; retries 429 and 503 as
   * the policy says, then throws the last {@link ApiError}.
   */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    for (let retry = 1;; retry++) {
      const res = await this.#once(method, path, opts);
      if (res.ok) return res;
      const error = await errorOf(res);
      const delayMs = opts.retry === false ? undefined : retryDelay(this.#policy, retry, error);
      if (delayMs === undefined || opts.signal?.aborted) throw error;
      this.options.onRetry?.({ method, path, retry, delayMs, error });
      await this.#sleep(delayMs, opts.signal);
      opts.signal?.throwIfAborted();
    }
  }

  /** Sends a request and parses its JSON answer. */
  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, opts);
    return await res.json() as T;
  }

  /** The WebSocket URL of `path` (`ws:`/`wss:`), with the token as `?token=`. */
  async wsHref(path: string): Promise<string> {
    const u = new URL(this.href(path));
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    const token = await this.token();
    if (token) u.searchParams.set("token", token);
    return u.href;
  }

  async #once(method: string, path: string, opts: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = {
      accept: opts.accept ?? "application/json",
      ...opts.headers,
    };
    const token = await this.token();
    if (token) headers.authorization = `Bearer ${token}`;
    let body: BodyInit | undefined;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers["content-type"] = "application/json";
    } else if (opts.body) {
      body = opts.body();
      if (opts.contentType) headers["content-type"] = opts.contentType;
    }
    try {
      return await this.#fetch(this.href(path, opts.query), {
        method,
        headers,
        body,
        signal: opts.signal,
      });
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      throw new UnreachableError(this.url, causeOf(e));
    }
  }
}
