/**
 * Node-to-node networking: the libp2p node (TCP + Noise + Yamux), the node's persistent
 * Ed25519 identity, and the framed request/response, one-way and chunked-transfer
 * machinery the Raft, ACL and migration protocols run on.
 *
 * Wire format: every stream carries frames `length:u32be kind:u8 id:u32be body`
 * ({@link encodeFrame}); request bodies are JSON with `Uint8Array`s as `{"$bytes": b64}`
 * ({@link encodePayload}). A malformed or oversized frame closes its stream only.
 *
 * @example
 * ```ts
 * import { startNetNode, RAFT_PROTOCOL } from "./runtime/net/mod.ts";
 * const a = await startNetNode({ dataDir: "/tmp/a", listen: 0, host: "127.0.0.1" });
 * const b = await startNetNode({ dataDir: "/tmp/b", listen: 0, host: "127.0.0.1" });
 * await b.handle(RAFT_PROTOCOL, VoteSchema, (vote) => ({ granted: vote.term > 2 }));
 * await a.request(b.addresses()[0], RAFT_PROTOCOL, { term: 3 }, { timeoutMs: 500 });
 * await a.stop(); await b.stop();
 * ```
 * @module
 */
export {
  ACL_PROTOCOL,
  MIGRATE_PROTOCOL,
  PING_PROTOCOL,
  PROTOCOL_IDS,
  type ProtocolId,
  RAFT_PROTOCOL,
  REPLICA_PROTOCOL,
} from "./protocol-ids.ts";
export {
  identityFromKey,
  loadOrCreateIdentity,
  NODE_KEY_FILE,
  type NodeIdentity,
  peerIdOfPublicKey,
  publicKeyBytes,
  verify,
} from "./identity.ts";
export { startNetNode } from "./node.ts";
export type { NetNode, PeerEvent, RequestOptions, TransferOptions } from "./net-node.ts";
export {
  DEFAULT_LISTEN_PORT,
  DEFAULT_MAX_FRAME_BYTES,
  type NetNodeOptions,
  NetNodeOptionsSchema,
} from "./node-options.ts";
export type { BytesHandler, RequestContext, RequestHandler, TransferHandler } from "./handlers.ts";
export type { TransferBody } from "./transfer-client.ts";
export type { NetCounters } from "./counters.ts";
export { type NetLogger, silentLogger } from "./logger.ts";
export { BytesSchema, decodePayload, encodePayload } from "./payload-codec.ts";
export {
  type DecodeResult,
  encodeFrame,
  type Frame,
  FrameDecoder,
  type FrameError,
  FrameKind,
} from "./frame-codec.ts";
export { type Ping, PingSchema } from "./ping.ts";
