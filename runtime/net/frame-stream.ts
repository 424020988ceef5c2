/**
 * A libp2p stream seen as a sequence of frames: decodes what arrives, encodes what is
 * written, keeps the counters, and closes the stream (never the node) on a malformed or
 * oversized frame.
 * @module
 */
import type { Stream } from "@libp2p/interface";
import type { NetCounters } from "./counters.ts";
import {
  encodeFrame,
  type Frame,
  FrameDecoder,
  type FrameError,
  type FrameKind,
} from "./frame-codec.ts";
import { decodePayload } from "./payload-codec.ts";

/** Thrown into a stream (and reported to its owner) when its peer broke the framing. */
export class FrameProtocolError extends Error {
  constructor(readonly reason: FrameError["reason"] | "unexpected", message: string) {
    super(message);
    this.name = "FrameProtocolError";
  }
}

/** Decodes a JSON body, turning a bad one into a stream-closing protocol error. */
export function decodeBody(body: Uint8Array): unknown {
  try {
    return decodePayload(body);
  } catch (err) {
    throw new FrameProtocolError("malformed", `undecodable frame body: ${(err as Error).message}`);
  }
}

/** What a {@link FrameStream} reports to its owner. */
export interface FrameStreamEvents {
  /** A complete frame arrived. Throwing a {@link FrameProtocolError} closes the stream. */
  onFrame(frame: Frame): void;
  /** The remote closed its writing end (no more frames will arrive). */
  onRemoteEnd?(): void;
  /** The stream is gone; `error` is set unless it closed gracefully. Called once. */
  onClose(error?: Error): void;
}

/** Frames over one libp2p stream. */
export class FrameStream {
  readonly #decoder: FrameDecoder;
  #closed = false;

  constructor(
    readonly stream: Stream,
    maxFrameBytes: number,
    private readonly counters: NetCounters,
    private readonly events: FrameStreamEvents,
  ) {
    this.#decoder = new FrameDecoder(maxFrameBytes);
    // Raise libp2p's per-stream read buffer above one full yamux window so that a paused
    // transfer stream is never reset for buffering what the window allowed in.
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, 2 * maxFrameBytes, 32 << 20);
    stream.addEventListener("message", (evt) => {
      const data = evt.data;
      this.#onBytes(data instanceof Uint8Array ? data : data.subarray());
    });
    stream.addEventListener("remoteCloseWrite", () => {
      if (!this.#closed) this.events.onRemoteEnd?.();
    });
    stream.addEventListener("close", (evt) => this.#finish(evt.error));
  }

  /** True once the stream closed, locally or remotely. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether the stream can take more data without queueing it. */
  get writable(): boolean {
    return !this.#closed && this.stream.writeStatus === "writable";
  }

  #onBytes(bytes: Uint8Array): void {
    if (this.#closed) return;
    const { frames, error } = this.#decoder.push(bytes);
    for (const frame of frames) {
      if (this.#closed) return;
      this.counters.framesIn++;
      this.counters.bytesIn += 9 + frame.body.byteLength;
      try {
        this.events.onFrame(frame);
      } catch (err) {
        if (err instanceof FrameProtocolError) {
          this.fail(err);
          return;
        }
        throw err;
      }
    }
    if (error) this.fail(new FrameProtocolError(error.reason, error.message));
  }

  /** Closes the stream because its peer broke the protocol, and counts why. */
  fail(error: FrameProtocolError): void {
    if (this.#closed) return;
    if (error.reason === "oversized") this.counters.oversized++;
    else this.counters.malformed++;
    this.abort(error);
  }

  /**
   * Writes one frame. Returns false when the stream's buffer is full: wait on
   * {@link drained} before writing more. Throws if the stream is closed for writing.
   */
  write(kind: FrameKind, id: number, body: Uint8Array): boolean {
    const bytes = encodeFrame(kind, id, body);
    const more = this.stream.send(bytes);
    this.counters.framesOut++;
    this.counters.bytesOut += bytes.byteLength;
    return more;
  }

  /**
   * Resolves when the stream accepts more data; rejects if it closes first. (Not
   * `stream.onDrain()`: in @libp2p/utils 7.4 its promise stays resolved after the first
   * drain, which silently turns backpressure off.)
   */
  drained(signal?: AbortSignal): Promise<void> {
    const s = this.stream;
    if (!s.writableNeedsDrain) return Promise.resolve();
    if (this.#closed) return Promise.reject(new Error("stream closed"));
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        s.removeEventListener("drain", onDrain);
        s.removeEventListener("close", onClose);
        signal?.removeEventListener("abort", onAbort);
      };
      const onDrain = () => {
        done();
        resolve();
      };
      const onClose = (evt: Event) => {
        done();
        reject((evt as Event & { error?: Error }).error ?? new Error("stream closed"));
      };
      const onAbort = () => {
        done();
        reject(signal?.reason);
      };
      s.addEventListener("drain", onDrain);
      s.addEventListener("close", onClose);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Stops reading (backpressure on the remote writer). */
  pause(): void {
    if (!this.#closed && this.stream.readStatus === "readable") this.stream.pause();
  }

  /** Resumes reading. */
  resume(): void {
    if (!this.#closed && this.stream.readStatus === "paused") this.stream.resume();
  }

  /** Closes the writing end gracefully once queued data is sent (bounded by `signal`). */
  async closeWrite(signal?: AbortSignal): Promise<void> {
    if (this.#closed || this.stream.writeStatus !== "writable") return;
    try {
      await this.stream.close({ signal });
    } catch (err) {
      this.abort(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Closes the stream at once, discarding queued data. */
  abort(error: Error): void {
    if (this.#closed) return;
    this.stream.abort(error);
    this.#finish(error);
  }

  #finish(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.events.onClose(error);
  }
}
