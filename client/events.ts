import { backoffDelay, type BackoffSchedule } from "../runtime/async/backoff.ts";
import { ApiError } from "./errors.ts";
import type { Transport } from "./transport.ts";
import type { EventFilter, NodeEvent, Subscription } from "./types.ts";

/** What happens to the event stream besides events (for {@link EventStreamOptions.onStatus}). */
export type EventStreamStatus =
  | { type: "subscribed"; subscription_id: string; filter: EventFilter }
  | { type: "error"; code: string; message: string }
  | { type: "closed"; code: number; reason: string; reconnectInMs?: number };

/** How {@link FipaEdgeClient.events} follows the stream. */
export interface EventStreamOptions {
  /** Ends the iteration (and closes the socket) when aborted. */
  signal?: AbortSignal;
  /** Reconnect (and subscribe again) when the socket closes; default true. */
  reconnect?: boolean;
  /** The wait before each reconnect; default 500 ms doubling up to 10 s (reset once subscribed). */
  backoff?: BackoffSchedule;
  /** Called on subscription, on error frames from the node, and when the socket closes. */
  onStatus?: (status: EventStreamStatus) => void;
}

const RECONNECT: BackoffSchedule = { initialDelayMs: 500, factor: 2, maxDelayMs: 10_000 };

type Item = { kind: "event"; event: NodeEvent } | { kind: "end"; code: number; reason: string };

/** One WebSocket connection as a queue of events that ends with the socket. */
class Connection {
  readonly #queue: Item[] = [];
  #wake: (() => void) | undefined;
  #ended = false;

  constructor(
    readonly ws: WebSocket,
    subscription: Subscription,
    onStatus: (s: EventStreamStatus) => void,
  ) {
    ws.onopen = () => ws.send(JSON.stringify({ type: "subscribe", ...subscription }));
    ws.onmessage = (m) => {
      let frame: Record<string, unknown>;
      try {
        frame = JSON.parse(String(m.data));
      } catch {
        return;
      }
      if (frame.type === "subscribed") {
        onStatus(frame as EventStreamStatus);
      } else if (frame.type === "error") {
        onStatus({ type: "error", code: String(frame.code), message: String(frame.message) });
      } else if (frame.type !== "pong" && frame.type !== "unsubscribed") {
        const { subscription_id: _, ...event } = frame;
        this.#push({ kind: "event", event: event as NodeEvent });
      }
    };
    ws.onerror = () => {};
    ws.onclose = (e) => this.#push({ kind: "end", code: e.code, reason: e.reason });
  }

  #push(item: Item): void {
    if (this.#ended) return;
    if (item.kind === "end") this.#ended = true;
    this.#queue.push(item);
    this.#wake?.();
  }

  /** The next event, or the end (socket closed, or `signal` aborted). */
  async next(signal?: AbortSignal): Promise<Item> {
    while (this.#queue.length === 0) {
      if (signal?.aborted) return { kind: "end", code: 1000, reason: "aborted" };
      await new Promise<void>((resolve) => {
        const done = () => {
          signal?.removeEventListener("abort", done);
          this.#wake = undefined;
          resolve();
        };
        this.#wake = done;
        signal?.addEventListener("abort", done);
      });
    }
    return this.#queue.shift()!;
  }

  close(): void {
    const s = this.ws.readyState;
    if (s === WebSocket.OPEN || s === WebSocket.CONNECTING) this.ws.close();
  }
}

/**
 * The node's events (`GET /ws`) as an async iterator: subscribes with `subscription`, yields
 * each event (without its `subscription_id`), reconnects with backoff when the socket closes
 * (unless `reconnect: false`), and ends when `signal` aborts or the loop breaks (closing the
 * socket). A missing or read-only token is reported first, as the {@link ApiError} of a plain
 * HTTP request to `/ws` (a WebSocket upgrade cannot say why it failed).
 */
export async function* followEvents(
  http: Transport,
  subscription: Subscription,
  opts: EventStreamOptions & { webSocket?: (url: string) => WebSocket } = {},
): AsyncGenerator<NodeEvent, void, undefined> {
  const { signal } = opts;
  try {
    const res = await http.request("GET", "/ws", { signal });
    await res.body?.cancel();
  } catch (e) {
    if (!(e instanceof ApiError) || e.status === 401 || e.status === 403) throw e;
  }
  const open = opts.webSocket ?? ((url: string) => new WebSocket(url));
  const schedule = opts.backoff ?? RECONNECT;
  let retry = 0;
  while (!signal?.aborted) {
    const conn = new Connection(open(await http.wsHref("/ws")), subscription, (s) => {
      if (s.type === "subscribed") retry = 0;
      opts.onStatus?.(s);
    });
    let end: Extract<Item, { kind: "end" }>;
    try {
      for (;;) {
        const item = await conn.next(signal);
        if (item.kind === "end") {
          end = item;
          break;
        }
        yield item.event;
      }
    } finally {
      conn.close();
    }
    if (signal?.aborted) return;
    if (opts.reconnect === false) {
      opts.onStatus?.({ type: "closed", code: end.code, reason: end.reason });
      return;
    }
    const wait = backoffDelay(schedule, ++retry);
    opts.onStatus?.({ type: "closed", code: end.code, reason: end.reason, reconnectInMs: wait });
    await http.sleep(wait, signal);
  }
}
