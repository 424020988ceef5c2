/**
 * The answering side of a protocol: serves the frames arriving on one inbound stream.
 * A stream carries either many multiplexed REQUEST/SEND/BYTES frames (answered by id, in any
 * order) or, when its first frame is TRANSFER_BEGIN, exactly one transfer.
 * @module
 */
import type { Stream } from "@libp2p/interface";
import { z } from "zod";
import { ApiError } from "../errors/mod.ts";
import { ChunkQueue } from "./chunk-queue.ts";
import type { NetCounters } from "./counters.ts";
import { type Frame, FrameKind } from "./frame-codec.ts";
import { decodeBody, FrameProtocolError, FrameStream } from "./frame-stream.ts";
import type { ProtocolHandlers, RequestContext } from "./handlers.ts";
import type { NetLogger } from "./logger.ts";
import { encodePayload } from "./payload-codec.ts";
import { toWireError } from "./wire-error.ts";

/** What the server side needs from its node. */
export interface ServerDeps {
  counters: NetCounters;
  maxFrameBytes: number;
  logger: NetLogger;
  /** Handlers running at once on one stream before it stops reading. */
  maxConcurrentPerStream: number;
  /** Transfer backpressure: pause reading above this many buffered payload bytes. */
  transferHighWaterBytes: number;
}

/** Validates a frame against its schema; the error names the bad values. */
export function validateFrame<T>(
  schema: z.ZodType<T>,
  value: unknown,
  what: string,
  counters: NetCounters,
): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  counters.invalid++;
  throw new ApiError("INVALID_REQUEST", `invalid ${what}: ${z.prettifyError(parsed.error)}`, {
    issues: parsed.error.issues,
  });
}

/**
 * Serves one inbound stream until it closes. Returns a function that aborts it (used at
 * node shutdown).
 */
export function serveStream(
  stream: Stream,
  peer: string,
  protocol: string,
  handlers: () => ProtocolHandlers | undefined,
  deps: ServerDeps,
): (reason: Error) => void {
  const abort = new AbortController();
  const ctx: RequestContext = { peer, protocol, signal: abort.signal };
  let inflight = 0;
  let remoteEnded = false;
  let mode: "rpc" | "transfer" | "done" = "rpc";
  let body: ChunkQueue | undefined;
  let answered = false;

  const fs: FrameStream = new FrameStream(stream, deps.maxFrameBytes, deps.counters, {
    onFrame,
    onRemoteEnd() {
      remoteEnded = true;
      if (mode === "transfer") body?.fail(new ApiError("UNAVAILABLE", "transfer ended early"));
      maybeFinish();
    },
    onClose(error) {
      abort.abort(error ?? new Error("stream closed"));
      body?.fail(new ApiError("UNAVAILABLE", "transfer stream closed", { peer, protocol }));
      if (error && !(error instanceof FrameProtocolError)) {
        deps.logger.debug("inbound stream closed", { peer, protocol, error: error.message });
      } else if (error) {
        deps.logger.warn("closed inbound stream: bad frame", {
          peer,
          protocol,
          error: error.message,
        });
      }
    },
  });

  function maybeFinish(): void {
    if (remoteEnded && inflight === 0 && mode !== "transfer") void fs.closeWrite();
  }

  function reply(kind: FrameKind, id: number, value: unknown): void {
    if (!fs.writable) return;
    let encoded: Uint8Array;
    try {
      encoded = encodePayload(value);
    } catch (err) {
      kind = FrameKind.ERROR;
      encoded = encodePayload(toWireError(err));
    }
    if (encoded.byteLength + 5 > deps.maxFrameBytes && kind === FrameKind.RESPONSE) {
      kind = FrameKind.ERROR;
      encoded = encodePayload(toWireError(
        new ApiError(
          "PAYLOAD_TOO_LARGE",
          `response of ${encoded.byteLength} bytes exceeds the frame limit`,
        ),
      ));
    }
    fs.write(kind, id, encoded);
  }

  function run(frame: Frame, oneWay: boolean): void {
    const entry = handlers()?.rpc;
    const value = decodeBody(frame.body);
    inflight++;
    if (inflight >= deps.maxConcurrentPerStream) fs.pause();
    Promise.resolve()
      .then(() => {
        if (!entry) throw new ApiError("NOT_FOUND", `no request handler for ${protocol}`);
        const input = validateFrame(entry.schema, value, `${protocol} frame`, deps.counters);
        return entry.handler(input, ctx);
      })
      .then(
        (result) => {
          if (!oneWay) reply(FrameKind.RESPONSE, frame.id, result);
        },
        (err) => {
          if (oneWay) {
            deps.logger.warn("one-way handler failed", { peer, protocol, error: String(err) });
          } else {
            reply(FrameKind.ERROR, frame.id, toWireError(err));
          }
        },
      )
      .finally(() => {
        inflight--;
        if (inflight < deps.maxConcurrentPerStream) fs.resume();
        maybeFinish();
      });
  }

  /** A raw one-way frame: the protocol's handler decodes and validates the bytes. */
  function runBytes(frame: Frame): void {
    const handler = handlers()?.bytes;
    try {
      if (!handler) throw new ApiError("NOT_FOUND", `no bytes handler for ${protocol}`);
      handler(frame.body, ctx);
    } catch (err) {
      deps.logger.warn("one-way bytes handler failed", { peer, protocol, error: String(err) });
    }
  }

  function beginTransfer(frame: Frame): void {
    const entry = handlers()?.transfer;
    const header = decodeBody(frame.body);
    mode = "transfer";
    const queue = new ChunkQueue({
      highWaterBytes: deps.transferHighWaterBytes,
      lowWaterBytes: deps.transferHighWaterBytes >> 2,
      onHigh: () => fs.pause(),
      onLow: () => fs.resume(),
    });
    body = queue;
    const id = frame.id;
    Promise.resolve()
      .then(() => {
        if (!entry) throw new ApiError("NOT_FOUND", `no transfer handler for ${protocol}`);
        const input = validateFrame(
          entry.schema,
          header,
          `${protocol} transfer header`,
          deps.counters,
        );
        return entry.handler(input, queue, ctx);
      })
      .then(
        (result) => finishTransfer(FrameKind.RESPONSE, id, result),
        (err) => finishTransfer(FrameKind.ERROR, id, toWireError(err)),
      );
  }

  function finishTransfer(kind: FrameKind, id: number, value: unknown): void {
    if (answered) return;
    answered = true;
    mode = "done";
    body?.fail(new ApiError("UNAVAILABLE", "transfer already answered"));
    fs.resume(); // drain and discard whatever the sender still had in flight
    reply(kind, id, value);
    void fs.closeWrite();
  }

  function onFrame(frame: Frame): void {
    switch (mode) {
      case "rpc":
        if (frame.kind === FrameKind.REQUEST) return run(frame, false);
        if (frame.kind === FrameKind.SEND) return run(frame, true);
        if (frame.kind === FrameKind.BYTES) return runBytes(frame);
        if (frame.kind === FrameKind.TRANSFER_BEGIN && inflight === 0 && !remoteEnded) {
          return beginTransfer(frame);
        }
        throw new FrameProtocolError(
          "unexpected",
          `unexpected frame kind ${frame.kind} on ${protocol}`,
        );
      case "transfer":
        if (frame.kind === FrameKind.CHUNK) return body?.push(frame.body);
        if (frame.kind === FrameKind.TRANSFER_END) return body?.end();
        throw new FrameProtocolError(
          "unexpected",
          `unexpected frame kind ${frame.kind} in a transfer`,
        );
      case "done":
        return; // late chunks of an answered transfer
    }
  }

  return (reason: Error) => fs.abort(reason);
}
