/**
 * Opening an outbound stream for a protocol, bounded in time, with libp2p's dial errors
 * turned into API errors (TIMEOUT, FORBIDDEN, UNAVAILABLE).
 * @module
 */
import type { Stream } from "@libp2p/interface";
import type { Libp2p } from "libp2p";
import { ApiError } from "../errors/mod.ts";
import type { NetCounters } from "./counters.ts";
import type { Target } from "./peer-target.ts";
import { errorMessage } from "./wire-error.ts";

/** Outbound streams per protocol and connection that libp2p lets us keep open. */
export const MAX_STREAMS_PER_PROTOCOL = 1024;

/** What opening a stream needs. */
export interface OpenDeps {
  libp2p: Libp2p;
  counters: NetCounters;
  isAllowed(peerId: string): boolean;
}

/** A function that opens a stream to `target` for `protocol`. */
export type StreamOpener = (
  target: Target,
  protocol: string,
  timeoutMs: number,
  signal?: AbortSignal,
) => Promise<Stream>;

/** Builds the {@link StreamOpener} of a node. */
export function streamOpener(deps: OpenDeps): StreamOpener {
  return async (target, protocol, timeoutMs, signal) => {
    const context = { peer: target.peerId, protocol };
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new ApiError("TIMEOUT", "open timed out")), timeoutMs);
    const onAbort = () => ac.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await deps.libp2p.dialProtocol(target.dial, protocol, {
        signal: ac.signal,
        maxOutboundStreams: MAX_STREAMS_PER_PROTOCOL,
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (ac.signal.aborted) {
        deps.counters.timeouts++;
        throw new ApiError(
          "TIMEOUT",
          `opening a stream to ${target.peerId} took over ${timeoutMs} ms`,
          { ...context, timeout_ms: timeoutMs },
        );
      }
      const name = err instanceof Error ? err.name : "";
      if (name === "DialDeniedError" || !deps.isAllowed(target.peerId)) {
        throw new ApiError("FORBIDDEN", `peer ${target.peerId} is not allowed`, context, {
          cause: err,
        });
      }
      const message = name === "UnsupportedProtocolError"
        ? `peer ${target.peerId} does not serve ${protocol}`
        : `cannot reach ${target.peerId}: ${errorMessage(err)}`;
      throw new ApiError("UNAVAILABLE", message, context, { cause: err });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  };
}
