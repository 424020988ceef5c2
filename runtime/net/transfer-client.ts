/**
 * The sending side of a transfer: a payload too large for one frame goes over a stream of
 * its own as TRANSFER_BEGIN (JSON header), CHUNK frames and TRANSFER_END, then waits for
 * the receiver's RESPONSE or ERROR. Writing waits whenever the stream's buffer is full,
 * so memory stays bounded by the yamux window whatever the payload size.
 * @module
 */
import type { Stream } from "@libp2p/interface";
import { ApiError } from "../errors/mod.ts";
import type { NetCounters } from "./counters.ts";
import { FrameKind } from "./frame-codec.ts";
import { decodeBody, FrameProtocolError, FrameStream } from "./frame-stream.ts";
import { encodePayload } from "./payload-codec.ts";
import { fromWireError } from "./wire-error.ts";

/** A transfer's payload: one buffer, or chunks produced lazily. */
export type TransferBody =
  | Uint8Array
  | Iterable<Uint8Array>
  | AsyncIterable<Uint8Array>;

/** Settings of one transfer. */
export interface TransferSettings {
  counters: NetCounters;
  maxFrameBytes: number;
  /** Largest CHUNK body. */
  chunkBytes: number;
  /** Fail when nothing moves (no write accepted, no answer) for this long. */
  idleTimeoutMs: number;
  signal?: AbortSignal;
}

async function* pieces(body: TransferBody, size: number): AsyncGenerator<Uint8Array> {
  const source: Iterable<Uint8Array> | AsyncIterable<Uint8Array> = body instanceof Uint8Array
    ? [body]
    : body;
  for await (const chunk of source) {
    for (let off = 0; off < chunk.byteLength; off += size) {
      yield chunk.subarray(off, Math.min(off + size, chunk.byteLength));
    }
  }
}

/** Runs one transfer over `stream` (which it owns and closes). Resolves with the answer. */
export async function runTransfer(
  stream: Stream,
  peer: string,
  protocol: string,
  header: unknown,
  body: TransferBody,
  settings: TransferSettings,
): Promise<unknown> {
  const context = { peer, protocol };
  let settled = false;
  let resolveAnswer!: (value: unknown) => void;
  let rejectAnswer!: (error: Error) => void;
  const answer = new Promise<unknown>((res, rej) => {
    resolveAnswer = res;
    rejectAnswer = rej;
  });
  const stop = new AbortController();
  const finish = (error: Error | undefined, value?: unknown) => {
    if (settled) return;
    settled = true;
    clearTimeout(idleTimer);
    if (error) rejectAnswer(error);
    else resolveAnswer(value);
    stop.abort(error ?? new Error("transfer answered"));
  };

  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const touch = () => {
    clearTimeout(idleTimer);
    if (settled) return;
    idleTimer = setTimeout(() => {
      settings.counters.timeouts++;
      const err = new ApiError(
        "TIMEOUT",
        `transfer to ${peer} on ${protocol} idle for ${settings.idleTimeoutMs} ms`,
        { ...context, timeout_ms: settings.idleTimeoutMs },
      );
      fs.abort(err);
      finish(err);
    }, settings.idleTimeoutMs);
  };

  const fs: FrameStream = new FrameStream(stream, settings.maxFrameBytes, settings.counters, {
    onFrame(frame) {
      if (frame.kind !== FrameKind.RESPONSE && frame.kind !== FrameKind.ERROR) {
        throw new FrameProtocolError(
          "unexpected",
          `unexpected frame kind ${frame.kind} in a transfer answer`,
        );
      }
      const value = decodeBody(frame.body);
      if (frame.kind === FrameKind.RESPONSE) finish(undefined, value);
      else finish(fromWireError(value, context));
      void fs.closeWrite();
    },
    onClose(error) {
      finish(
        new ApiError(
          "UNAVAILABLE",
          `transfer stream to ${peer} closed: ${error?.message ?? "no answer"}`,
          context,
          {
            cause: error,
          },
        ),
      );
    },
  });

  const onAbort = () => {
    const reason = settings.signal?.reason instanceof Error
      ? settings.signal.reason
      : new Error("aborted");
    fs.abort(reason);
    finish(reason);
  };
  settings.signal?.addEventListener("abort", onAbort, { once: true });

  try {
    touch();
    fs.write(FrameKind.TRANSFER_BEGIN, 1, encodePayload(header));
    for await (const piece of pieces(body, settings.chunkBytes)) {
      if (settled) break;
      if (!fs.write(FrameKind.CHUNK, 1, piece)) {
        await fs.drained(stop.signal).catch(() => {});
      }
      touch();
    }
    if (!settled) {
      fs.write(FrameKind.TRANSFER_END, 1, new Uint8Array(0));
      touch();
    }
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    fs.abort(error);
    finish(
      err instanceof ApiError
        ? err
        : new ApiError("UNAVAILABLE", `transfer to ${peer} failed: ${error.message}`, context, {
          cause: err,
        }),
    );
  }
  try {
    return await answer;
  } finally {
    clearTimeout(idleTimer);
    settings.signal?.removeEventListener("abort", onAbort);
  }
}
