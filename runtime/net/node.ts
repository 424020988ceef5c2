/**
 * {@link startNetNode}: wires the libp2p host, the protocol handlers, the long-lived
 * request channels and transfers into a {@link NetNode}. This is the shell: sockets,
 * timers and the clock live here and in the modules it wires; framing, payload encoding
 * and the chunk queue are pure.
 * @module
 */
import type { Connection, PeerId, Stream } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { z } from "zod";
import { ApiError } from "../errors/mod.ts";
import { ChannelPool } from "./channel-pool.ts";
import { newCounters } from "./counters.ts";
import { FRAME_HEADER_BYTES, FrameKind } from "./frame-codec.ts";
import type { ProtocolHandlers, RequestHandler, TransferHandler } from "./handlers.ts";
import { loadOrCreateIdentity } from "./identity.ts";
import { createHost, stopHost } from "./libp2p-host.ts";
import { bytesLocal, type LocalDeps, requestLocal, transferLocal } from "./local-dispatch.ts";
import { silentLogger } from "./logger.ts";
import type { NetNode, RequestOptions, TransferOptions } from "./net-node.ts";
import { type NetNodeOptions, NetNodeOptionsSchema } from "./node-options.ts";
import { encodePayload } from "./payload-codec.ts";
import { resolveTarget } from "./peer-target.ts";
import { echo, type Ping, PingSchema } from "./ping.ts";
import { PING_PROTOCOL } from "./protocol-ids.ts";
import { RpcChannel } from "./rpc-client.ts";
import { serveStream } from "./rpc-server.ts";
import { MAX_STREAMS_PER_PROTOCOL, streamOpener } from "./stream-opener.ts";
import { runTransfer, type TransferBody } from "./transfer-client.ts";
import { errorMessage } from "./wire-error.ts";

/**
 * Starts a node: loads (or creates) the identity in `dataDir`, listens, dials the
 * bootstrap peers in the background and answers pings.
 *
 * @example
 * ```ts
 * const node = await startNetNode({ dataDir: "/tmp/a", listen: 0, host: "127.0.0.1" });
 * await node.handle(ACL_PROTOCOL, AclFrameSchema, (frame, ctx) => route(frame, ctx.peer));
 * const answer = await other.request(node.addresses()[0], ACL_PROTOCOL, frame);
 * await node.stop();
 * ```
 */
export async function startNetNode(options: NetNodeOptions): Promise<NetNode> {
  const parsed = NetNodeOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ApiError("INVALID_REQUEST", `invalid net options: ${z.prettifyError(parsed.error)}`, {
      issues: parsed.error.issues,
    });
  }
  const opts = parsed.data;
  const logger = opts.logger ?? silentLogger;
  const identity = opts.identity ?? await loadOrCreateIdentity(opts.dataDir);
  const counters = newCounters();
  const chunkBytes = Math.min(opts.transferChunkBytes, opts.maxFrameBytes - FRAME_HEADER_BYTES);

  const isAllowed = (peerId: string): boolean => {
    if (!opts.isAllowedPeer) return true;
    try {
      return opts.isAllowedPeer(peerId) === true;
    } catch (err) {
      logger.error("isAllowedPeer threw; refusing", { peer: peerId, error: errorMessage(err) });
      return false;
    }
  };
  /** True (and counted) when `peerId` must be refused. */
  const refuse = (peerId: string, where: string): boolean => {
    if (isAllowed(peerId)) return false;
    counters.refusedPeers++;
    logger.warn("refused peer", { peer: peerId, where });
    return true;
  };

  const libp2p = await createHost({ options: opts, identity, refuse });

  const protocols = new Map<string, ProtocolHandlers>();
  const registered = new Set<string>();
  const inbound = new Set<(reason: Error) => void>();
  const transfers = new Set<AbortController>();
  let stopping: Promise<void> | undefined;
  let pingSeq = 0;

  const openStream = streamOpener({ libp2p, counters, isAllowed });
  const channelDeps = { counters, maxFrameBytes: opts.maxFrameBytes };
  const channels = new ChannelPool(openStream, channelDeps);
  const local: LocalDeps = {
    peerId: identity.peerId,
    counters,
    logger,
    handlers: (protocol) => protocols.get(protocol),
  };
  const serverDeps = {
    counters,
    maxFrameBytes: opts.maxFrameBytes,
    logger,
    maxConcurrentPerStream: opts.maxConcurrentPerStream,
    transferHighWaterBytes: Math.max(4 * chunkBytes, 1 << 20),
  };

  const onInboundStream = (stream: Stream, connection: Connection): void => {
    const peer = connection.remotePeer.toString();
    if (stopping || refuse(peer, "stream")) {
      stream.abort(new Error(stopping ? "node stopping" : "peer not allowed"));
      return;
    }
    const protocol = stream.protocol;
    const abort = serveStream(stream, peer, protocol, () => protocols.get(protocol), serverDeps);
    inbound.add(abort);
    stream.addEventListener("close", () => inbound.delete(abort));
  };

  const ensureRegistered = async (protocol: string): Promise<void> => {
    if (registered.has(protocol)) return;
    registered.add(protocol);
    try {
      await libp2p.handle(protocol, onInboundStream, {
        maxInboundStreams: MAX_STREAMS_PER_PROTOCOL,
        maxOutboundStreams: MAX_STREAMS_PER_PROTOCOL,
      });
    } catch (err) {
      registered.delete(protocol);
      throw err;
    }
  };

  const assertRunning = (): void => {
    if (stopping) throw new ApiError("UNAVAILABLE", "net node is stopped");
  };

  const encodeFrameBody = (frame: unknown, what: string): Uint8Array => {
    let body: Uint8Array;
    try {
      body = encodePayload(frame);
    } catch (err) {
      throw new ApiError("INVALID_REQUEST", `cannot encode ${what}: ${errorMessage(err)}`);
    }
    if (body.byteLength + 5 > opts.maxFrameBytes) {
      throw new ApiError(
        "PAYLOAD_TOO_LARGE",
        `${what} of ${body.byteLength} bytes exceeds the frame limit of ${opts.maxFrameBytes}; ` +
          "use transfer",
        { bytes: body.byteLength, limit: opts.maxFrameBytes },
      );
    }
    return body;
  };

  const checkResponse = <T>(
    value: unknown,
    schema: z.ZodType<T> | undefined,
    peer: string,
    protocol: string,
  ): T => {
    if (!schema) return value as T;
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    counters.invalid++;
    throw new ApiError(
      "INTERNAL_ERROR",
      `invalid response from ${peer} on ${protocol}: ${z.prettifyError(result.error)}`,
      { peer, protocol, issues: result.error.issues },
    );
  };

  const setHandlers = async (protocol: string, update: ProtocolHandlers): Promise<void> => {
    assertRunning();
    protocols.set(protocol, { ...protocols.get(protocol), ...update });
    await ensureRegistered(protocol);
  };

  const node: NetNode = {
    peerId: identity.peerId,
    identity,
    libp2p,

    addresses() {
      return libp2p.getMultiaddrs().map((ma) => ma.toString());
    },

    async handle(protocol, schema, handler) {
      await setHandlers(protocol, { rpc: { schema, handler: handler as RequestHandler<unknown> } });
    },

    async handleBytes(protocol, handler) {
      await setHandlers(protocol, { bytes: handler });
    },

    async handleTransfer(protocol, headerSchema, handler) {
      await setHandlers(protocol, {
        transfer: { schema: headerSchema, handler: handler as TransferHandler<unknown> },
      });
    },

    async unhandle(protocol) {
      protocols.delete(protocol);
      if (registered.delete(protocol)) await libp2p.unhandle(protocol);
    },

    async request<T = unknown>(
      peer: string,
      protocol: string,
      frame: unknown,
      options: RequestOptions<T> = {},
    ) {
      assertRunning();
      const target = resolveTarget(peer);
      const timeoutMs = options.timeoutMs ?? opts.requestTimeoutMs;
      const body = encodeFrameBody(frame, `${protocol} request`);
      let value: unknown;
      if (target.peerId === identity.peerId) {
        value = await requestLocal(local, protocol, body, false);
      } else if (options.newStream) {
        const stream = await openStream(target, protocol, timeoutMs, options.signal);
        const ch = new RpcChannel(stream, target.peerId, protocol, channelDeps);
        try {
          value = await ch.request(body, timeoutMs, options.signal);
        } finally {
          await ch.closeGracefully();
        }
      } else {
        const ch = await channels.get(target, protocol, timeoutMs, options.signal);
        value = await ch.request(body, timeoutMs, options.signal);
      }
      return checkResponse(value, options.responseSchema, target.peerId, protocol);
    },

    async send(peer, protocol, frame) {
      assertRunning();
      const target = resolveTarget(peer);
      const body = encodeFrameBody(frame, `${protocol} message`);
      if (target.peerId === identity.peerId) {
        await requestLocal(local, protocol, body, true);
        return;
      }
      const ch = await channels.get(target, protocol, opts.requestTimeoutMs);
      ch.send(body);
    },

    async sendBytes(peer, protocol, body) {
      assertRunning();
      if (body.byteLength + 5 > opts.maxFrameBytes) {
        throw new ApiError(
          "PAYLOAD_TOO_LARGE",
          `${protocol} message of ${body.byteLength} bytes exceeds the frame limit of ` +
            `${opts.maxFrameBytes}`,
          { bytes: body.byteLength, limit: opts.maxFrameBytes },
        );
      }
      const target = resolveTarget(peer);
      if (target.peerId === identity.peerId) {
        bytesLocal(local, protocol, body);
        return;
      }
      const ch = await channels.get(target, protocol, opts.requestTimeoutMs);
      ch.send(body, FrameKind.BYTES);
    },

    async transfer<T = unknown>(
      peer: string,
      protocol: string,
      header: unknown,
      body: TransferBody,
      options: TransferOptions<T> = {},
    ) {
      assertRunning();
      const target = resolveTarget(peer);
      const idleTimeoutMs = options.idleTimeoutMs ?? opts.transferIdleTimeoutMs;
      encodeFrameBody(header, `${protocol} transfer header`);
      const ac = new AbortController();
      const onAbort = () => ac.abort(options.signal?.reason);
      options.signal?.addEventListener("abort", onAbort, { once: true });
      transfers.add(ac);
      try {
        let value: unknown;
        if (target.peerId === identity.peerId) {
          value = await transferLocal(local, protocol, header, body, ac.signal);
        } else {
          const stream = await openStream(target, protocol, idleTimeoutMs, ac.signal);
          value = await runTransfer(stream, target.peerId, protocol, header, body, {
            counters,
            maxFrameBytes: opts.maxFrameBytes,
            chunkBytes,
            idleTimeoutMs,
            signal: ac.signal,
          });
        }
        return checkResponse(value, options.responseSchema, target.peerId, protocol);
      } finally {
        transfers.delete(ac);
        options.signal?.removeEventListener("abort", onAbort);
      }
    },

    async ping(peer, options = {}) {
      const frame: Ping = { seq: pingSeq++ };
      if (options.payloadBytes) frame.payload = new Uint8Array(options.payloadBytes);
      const started = performance.now();
      await node.request(peer, PING_PROTOCOL, frame, { newStream: options.newStream });
      return performance.now() - started;
    },

    async dial(address) {
      assertRunning();
      const target = resolveTarget(address);
      try {
        const conn = await libp2p.dial(target.dial);
        return conn.remotePeer.toString();
      } catch (err) {
        if (!isAllowed(target.peerId)) {
          throw new ApiError("FORBIDDEN", `peer ${target.peerId} is not allowed`, {
            peer: target.peerId,
          });
        }
        throw new ApiError("UNAVAILABLE", `cannot reach ${address}: ${errorMessage(err)}`, {
          peer: target.peerId,
        }, { cause: err });
      }
    },

    async hangUp(peer) {
      await libp2p.hangUp(peerIdFromString(resolveTarget(peer).peerId));
    },

    connectedPeers() {
      return libp2p.getPeers().map((p) => p.toString());
    },

    onPeer(listener) {
      const onConnect = (evt: CustomEvent<PeerId>) =>
        listener({ type: "connect", peerId: evt.detail.toString() });
      const onDisconnect = (evt: CustomEvent<PeerId>) =>
        listener({ type: "disconnect", peerId: evt.detail.toString() });
      libp2p.addEventListener("peer:connect", onConnect);
      libp2p.addEventListener("peer:disconnect", onDisconnect);
      return () => {
        libp2p.removeEventListener("peer:connect", onConnect);
        libp2p.removeEventListener("peer:disconnect", onDisconnect);
      };
    },

    counters() {
      return { ...counters };
    },

    stop() {
      stopping ??= shutdown();
      return stopping;
    },
  };

  async function shutdown(): Promise<void> {
    const reason = new ApiError("UNAVAILABLE", "net node stopping");
    channels.closeAll(reason);
    for (const abort of inbound) abort(reason);
    inbound.clear();
    for (const ac of transfers) ac.abort(reason);
    await stopHost(libp2p, opts.stopTimeoutMs, logger);
    logger.info("net node stopped", { peer: identity.peerId });
  }

  await setHandlers(PING_PROTOCOL, {
    rpc: { schema: PingSchema, handler: echo as RequestHandler<unknown> },
  });
  if (opts.mdns) {
    libp2p.addEventListener("peer:discovery", (evt) => {
      const id = evt.detail.id;
      if (stopping || !isAllowed(id.toString()) || libp2p.getConnections(id).length > 0) return;
      libp2p.dial(id).catch((err) =>
        logger.debug("mdns dial failed", { peer: id.toString(), error: errorMessage(err) })
      );
    });
  }
  for (const address of opts.bootstrap) {
    node.dial(address).then(
      (peer) => logger.info("connected to bootstrap peer", { peer, address }),
      (err) => logger.warn("bootstrap dial failed", { address, error: errorMessage(err) }),
    );
  }
  logger.info("net node started", { peer: identity.peerId, addresses: node.addresses() });
  return node;
}
