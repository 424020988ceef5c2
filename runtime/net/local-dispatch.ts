/**
 * Requests and transfers a node addresses to itself: the same encoding, validation and
 * error mapping as over the wire, without a socket.
 * @module
 */
import { ApiError } from "../errors/mod.ts";
import { ChunkQueue } from "./chunk-queue.ts";
import type { NetCounters } from "./counters.ts";
import type { ProtocolHandlers, RequestContext } from "./handlers.ts";
import type { NetLogger } from "./logger.ts";
import { decodePayload, encodePayload } from "./payload-codec.ts";
import { validateFrame } from "./rpc-server.ts";
import type { TransferBody } from "./transfer-client.ts";
import { errorMessage, fromWireError, toWireError } from "./wire-error.ts";

/** What local dispatch needs from its node. */
export interface LocalDeps {
  peerId: string;
  counters: NetCounters;
  logger: NetLogger;
  handlers(protocol: string): ProtocolHandlers | undefined;
}

function context(deps: LocalDeps, protocol: string, signal?: AbortSignal): RequestContext {
  return { peer: deps.peerId, protocol, signal: signal ?? new AbortController().signal };
}

/** Runs this node's own handler for an encoded request body. */
export async function requestLocal(
  deps: LocalDeps,
  protocol: string,
  body: Uint8Array,
  oneWay: boolean,
): Promise<unknown> {
  const entry = deps.handlers(protocol)?.rpc;
  try {
    if (!entry) throw new ApiError("UNAVAILABLE", `this node does not serve ${protocol}`);
    const input = validateFrame(
      entry.schema,
      decodePayload(body),
      `${protocol} frame`,
      deps.counters,
    );
    const result = await entry.handler(input, context(deps, protocol));
    return oneWay ? undefined : decodePayload(encodePayload(result));
  } catch (err) {
    if (oneWay) {
      deps.logger.warn("one-way handler failed", { protocol, error: errorMessage(err) });
      return undefined;
    }
    throw fromWireError(toWireError(err), { peer: deps.peerId, protocol });
  }
}

/** Runs this node's own bytes handler (a raw one-way frame to itself). */
export function bytesLocal(deps: LocalDeps, protocol: string, body: Uint8Array): void {
  const handler = deps.handlers(protocol)?.bytes;
  try {
    if (!handler) throw new ApiError("UNAVAILABLE", `this node does not serve ${protocol}`);
    handler(body.slice(), context(deps, protocol));
  } catch (err) {
    deps.logger.warn("one-way bytes handler failed", { protocol, error: errorMessage(err) });
  }
}

/** Runs this node's own transfer handler; it reads the body's pieces directly. */
export async function transferLocal(
  deps: LocalDeps,
  protocol: string,
  header: unknown,
  body: TransferBody,
  signal: AbortSignal,
): Promise<unknown> {
  const entry = deps.handlers(protocol)?.transfer;
  try {
    if (!entry) {
      throw new ApiError("UNAVAILABLE", `this node does not serve transfers on ${protocol}`);
    }
    const input = validateFrame(
      entry.schema,
      decodePayload(encodePayload(header)),
      `${protocol} transfer header`,
      deps.counters,
    );
    const queue = new ChunkQueue({ highWaterBytes: Infinity, lowWaterBytes: 0 });
    const source: Iterable<Uint8Array> | AsyncIterable<Uint8Array> = body instanceof Uint8Array
      ? [body]
      : body;
    const feed = (async () => {
      try {
        for await (const chunk of source) queue.push(chunk);
        queue.end();
      } catch (err) {
        queue.fail(err);
      }
    })();
    const result = await entry.handler(input, queue, context(deps, protocol, signal));
    await feed;
    return decodePayload(encodePayload(result));
  } catch (err) {
    throw fromWireError(toWireError(err), { peer: deps.peerId, protocol });
  }
}
