/**
 * The asking side of a protocol: one long-lived stream to a (peer, protocol) carrying
 * many requests at once, each tagged with its own id. Responses may come in any order.
 * When the stream dies every pending request fails with UNAVAILABLE and the owner drops
 * the channel, so the next request opens a fresh one.
 * @module
 */
import type { Stream } from "@libp2p/interface";
import { ApiError } from "../errors/mod.ts";
import type { NetCounters } from "./counters.ts";
import { type Frame, FrameKind, MAX_FRAME_ID } from "./frame-codec.ts";
import { decodeBody, FrameProtocolError, FrameStream } from "./frame-stream.ts";
import { fromWireError } from "./wire-error.ts";

/** What a channel needs from its node. */
export interface ChannelDeps {
  counters: NetCounters;
  maxFrameBytes: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** A multiplexed request channel over one stream. */
export class RpcChannel {
  readonly #fs: FrameStream;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closedError: Error | undefined;
  #onClose: (() => void) | undefined;

  constructor(
    stream: Stream,
    readonly peer: string,
    readonly protocol: string,
    private readonly deps: ChannelDeps,
  ) {
    this.#fs = new FrameStream(stream, deps.maxFrameBytes, deps.counters, {
      onFrame: (frame) => this.#onFrame(frame),
      onRemoteEnd: () => this.close(new Error("peer closed the stream")),
      onClose: (error) => this.#onClosed(error),
    });
  }

  /** True once the stream is unusable. */
  get closed(): boolean {
    return this.#closedError !== undefined || this.#fs.closed;
  }

  /** Requests waiting for an answer. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Registers the callback run once when the channel closes. */
  set onClose(fn: () => void) {
    this.#onClose = fn;
  }

  #context(): Record<string, unknown> {
    return { peer: this.peer, protocol: this.protocol };
  }

  #onFrame(frame: Frame): void {
    if (frame.kind !== FrameKind.RESPONSE && frame.kind !== FrameKind.ERROR) {
      throw new FrameProtocolError(
        "unexpected",
        `unexpected frame kind ${frame.kind} in a response`,
      );
    }
    const value = decodeBody(frame.body);
    const p = this.#pending.get(frame.id);
    if (!p) return; // answered after its timeout
    this.#settle(frame.id, p);
    if (frame.kind === FrameKind.RESPONSE) p.resolve(value);
    else p.reject(fromWireError(value, this.#context()));
  }

  #settle(id: number, p: Pending): void {
    this.#pending.delete(id);
    if (p.timer !== undefined) clearTimeout(p.timer);
    if (p.onAbort) p.signal?.removeEventListener("abort", p.onAbort);
  }

  #takeId(): number {
    for (let i = 0; i <= this.#pending.size; i++) {
      const id = this.#nextId;
      this.#nextId = id >= MAX_FRAME_ID ? 1 : id + 1;
      if (!this.#pending.has(id)) return id;
    }
    throw new ApiError("RESOURCE_LIMIT_EXCEEDED", "no free request id", this.#context());
  }

  /**
   * Sends an encoded request body and resolves with the decoded response value. Rejects
   * with the peer's error, TIMEOUT after `timeoutMs`, or UNAVAILABLE if the stream dies.
   */
  request(body: Uint8Array, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    if (this.closed) return Promise.reject(this.#unavailable());
    signal?.throwIfAborted();
    const id = this.#takeId();
    return new Promise<unknown>((resolve, reject) => {
      const p: Pending = { resolve, reject, timer: undefined, signal };
      p.timer = setTimeout(() => {
        this.#settle(id, p);
        this.deps.counters.timeouts++;
        reject(
          new ApiError(
            "TIMEOUT",
            `no answer from ${this.peer} on ${this.protocol} in ${timeoutMs} ms`,
            {
              ...this.#context(),
              timeout_ms: timeoutMs,
            },
          ),
        );
      }, timeoutMs);
      if (signal) {
        p.onAbort = () => {
          this.#settle(id, p);
          reject(signal.reason);
        };
        signal.addEventListener("abort", p.onAbort, { once: true });
      }
      this.#pending.set(id, p);
      try {
        this.#fs.write(FrameKind.REQUEST, id, body);
      } catch (err) {
        this.#settle(id, p);
        reject(this.#unavailable(err));
      }
    });
  }

  /** Sends a one-way frame; resolves once it is handed to the stream. */
  send(
    body: Uint8Array,
    kind: typeof FrameKind.SEND | typeof FrameKind.BYTES = FrameKind.SEND,
  ): void {
    if (this.closed) throw this.#unavailable();
    try {
      this.#fs.write(kind, 0, body);
    } catch (err) {
      throw this.#unavailable(err);
    }
  }

  #unavailable(cause?: unknown): ApiError {
    const why = this.#closedError?.message ??
      (cause instanceof Error ? cause.message : "stream closed");
    return new ApiError(
      "UNAVAILABLE",
      `stream to ${this.peer} on ${this.protocol} closed: ${why}`,
      this.#context(),
      {
        cause,
      },
    );
  }

  /** Aborts the stream and fails every pending request. */
  close(reason: Error = new Error("channel closed")): void {
    if (!this.#fs.closed) this.#fs.abort(reason);
    else this.#onClosed(reason);
  }

  /** Closes gracefully: stops writing, lets the peer finish. Pending requests fail. */
  async closeGracefully(signal?: AbortSignal): Promise<void> {
    await this.#fs.closeWrite(signal);
    this.#onClosed(new Error("channel closed"));
  }

  #onClosed(error?: Error): void {
    if (this.#closedError) return;
    this.#closedError = error ?? new Error("stream closed");
    const err = this.#unavailable();
    for (const [id, p] of this.#pending) {
      this.#settle(id, p);
      p.reject(err);
    }
    this.#onClose?.();
  }
}
