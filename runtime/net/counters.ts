/**
 * Counters of what crossed the wire, for metrics and tests.
 * @module
 */

/** A snapshot of a node's network counters (all monotonic). */
export interface NetCounters {
  /** Frames decoded from peers. */
  framesIn: number;
  /** Frames written to peers. */
  framesOut: number;
  /** Bytes of frames decoded from peers (headers included). */
  bytesIn: number;
  /** Bytes of frames written to peers (headers included). */
  bytesOut: number;
  /** Streams closed because their bytes could not be decoded as frames. */
  malformed: number;
  /** Streams closed because a frame exceeded `maxFrameBytes`. */
  oversized: number;
  /** Frames that decoded but failed their protocol's schema (answered with INVALID_REQUEST). */
  invalid: number;
  /** Connections and streams refused because the peer is not allowed. */
  refusedPeers: number;
  /** Requests that got no answer within their timeout. */
  timeouts: number;
}

/** Creates a zeroed counter set. */
export function newCounters(): NetCounters {
  return {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    malformed: 0,
    oversized: 0,
    invalid: 0,
    refusedPeers: 0,
    timeouts: 0,
  };
}
