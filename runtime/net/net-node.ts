/**
 * The interface of a running node: what the rest of the runtime programs against.
 * @module
 */
import type { Libp2p } from "libp2p";
import type { z } from "zod";
import type { NetCounters } from "./counters.ts";
import type { BytesHandler, RequestHandler, TransferHandler } from "./handlers.ts";
import type { NodeIdentity } from "./identity.ts";
import type { TransferBody } from "./transfer-client.ts";

/** Options of one {@link NetNode.request}. */
export interface RequestOptions<T> {
  /** Fail with TIMEOUT after this long (default: the node's `requestTimeoutMs`). */
  timeoutMs?: number;
  /** Validate the response with this schema (an invalid one rejects with INTERNAL_ERROR). */
  responseSchema?: z.ZodType<T>;
  /** Abort the request (it rejects with the signal's reason). */
  signal?: AbortSignal;
  /**
   * Use a fresh stream for this request instead of the long-lived one (slower: for
   * comparison and for requests that must not queue behind others).
   */
  newStream?: boolean;
}

/** Options of one {@link NetNode.transfer}. */
export interface TransferOptions<T> {
  /** Fail when no progress is made for this long (default: `transferIdleTimeoutMs`). */
  idleTimeoutMs?: number;
  /** Validate the response with this schema. */
  responseSchema?: z.ZodType<T>;
  /** Abort the transfer. */
  signal?: AbortSignal;
}

/** A peer connecting or disconnecting. */
export interface PeerEvent {
  type: "connect" | "disconnect";
  peerId: string;
}

/**
 * A running node. Peers are named by peer id (`12D3KooW...`) or by a multiaddr that ends
 * in `/p2p/<peer id>` (which also tells how to reach it).
 */
export interface NetNode {
  /** This node's peer id. */
  readonly peerId: string;
  /** This node's key pair (signing, public key). */
  readonly identity: NodeIdentity;
  /** The underlying libp2p node, for what this interface does not cover. */
  readonly libp2p: Libp2p;
  /** Dialable multiaddrs of this node, each ending in `/p2p/<peer id>`. */
  addresses(): string[];
  /**
   * Serves requests and one-way frames of `protocol`: each frame is validated with
   * `schema` (an invalid one is answered INVALID_REQUEST naming the bad values).
   */
  handle<S extends z.ZodType>(
    protocol: string,
    schema: S,
    handler: RequestHandler<z.output<S>>,
  ): Promise<void>;
  /**
   * Serves raw one-way frames of `protocol` ({@link sendBytes}): the handler gets the bytes
   * as sent and must validate them itself (a throw is logged and the frame dropped).
   */
  handleBytes(protocol: string, handler: BytesHandler): Promise<void>;
  /** Serves transfers of `protocol`; the header is validated with `headerSchema`. */
  handleTransfer<S extends z.ZodType>(
    protocol: string,
    headerSchema: S,
    handler: TransferHandler<z.output<S>>,
  ): Promise<void>;
  /** Stops serving `protocol` (requests and transfers). */
  unhandle(protocol: string): Promise<void>;
  /**
   * Sends a request over the long-lived stream to (peer, protocol) and resolves with the
   * answer. Rejects with an `ApiError`: the peer's own error, TIMEOUT, UNAVAILABLE (peer
   * unreachable or stream lost), FORBIDDEN (peer not allowed), PAYLOAD_TOO_LARGE.
   */
  request<T = unknown>(
    peer: string,
    protocol: string,
    frame: unknown,
    options?: RequestOptions<T>,
  ): Promise<T>;
  /** Sends a one-way frame; resolves once it is queued on the stream (no delivery proof). */
  send(peer: string, protocol: string, frame: unknown): Promise<void>;
  /**
   * Sends a one-way frame whose body is `body` as it is (no JSON encoding), for protocols
   * with a binary form of their own; served by {@link handleBytes}. Resolves once queued.
   * @throws {ApiError} `PAYLOAD_TOO_LARGE` beyond the frame limit, `UNAVAILABLE`
   */
  sendBytes(peer: string, protocol: string, body: Uint8Array): Promise<void>;
  /**
   * Sends `header` and a payload of any size in chunks over a stream of its own, with
   * backpressure, and resolves with the receiver's answer.
   */
  transfer<T = unknown>(
    peer: string,
    protocol: string,
    header: unknown,
    body: TransferBody,
    options?: TransferOptions<T>,
  ): Promise<T>;
  /** Round trip of a ping to `peer`, in milliseconds. */
  ping(peer: string, options?: { newStream?: boolean; payloadBytes?: number }): Promise<number>;
  /** Connects to a multiaddr (with `/p2p/<id>`); resolves with the remote peer id. */
  dial(address: string): Promise<string>;
  /** Closes every connection to `peer` (e.g. when it leaves the cluster). */
  hangUp(peer: string): Promise<void>;
  /** Peer ids this node has an open connection to. */
  connectedPeers(): string[];
  /** Calls `listener` when a peer connects or disconnects; returns the unsubscribe. */
  onPeer(listener: (event: PeerEvent) => void): () => void;
  /** A snapshot of the wire counters. */
  counters(): NetCounters;
  /** Closes every stream and connection and stops listening. Bounded by `stopTimeoutMs`. */
  stop(): Promise<void>;
}
