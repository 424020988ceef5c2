/**
 * The options of {@link startNetNode}, validated with zod (they come from configuration).
 * @module
 */
import { multiaddr } from "@multiformats/multiaddr";
import { z } from "zod";
import type { NodeIdentity } from "./identity.ts";
import type { NetLogger } from "./logger.ts";

/** The TCP port a node listens on when none is configured. */
export const DEFAULT_LISTEN_PORT = 9001;
/** Default largest frame (kind + id + body) accepted from a peer: 4 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

function isMultiaddr(value: string): boolean {
  try {
    multiaddr(value);
    return true;
  } catch {
    return false;
  }
}

const MultiaddrString = z.string().refine(isMultiaddr, {
  error: (issue) => `"${String(issue.input)}" is not a multiaddr`,
});

const fn = <T>(what: string) =>
  z.custom<T>((v) => typeof v === "function", { error: `${what} must be a function` });

/** The schema of {@link NetNodeOptions}. */
export const NetNodeOptionsSchema = z.object({
  /** Directory holding `node-key` (created if missing). */
  dataDir: z.string().min(1),
  /**
   * Where to listen: a TCP port on {@link host} (0 picks a free one; default 9001), or a
   * list of multiaddrs such as `/ip4/0.0.0.0/tcp/9001`.
   */
  listen: z.union([z.number().int().min(0).max(65535), z.array(MultiaddrString).min(1)])
    .default(DEFAULT_LISTEN_PORT),
  /** Interface to bind when `listen` is a port. */
  host: z.string().min(1).default("0.0.0.0"),
  /** Peers to dial at start (multiaddrs ending in `/p2p/<peer id>`). */
  bootstrap: z.array(MultiaddrString).default([]),
  /** Discover peers on the local network with mDNS (and dial them). */
  mdns: z.boolean().default(false),
  /** Largest frame accepted from a peer; larger ones close their stream. */
  maxFrameBytes: z.number().int().min(1024).max(256 * 1024 * 1024).default(DEFAULT_MAX_FRAME_BYTES),
  /** Default timeout of `request`. */
  requestTimeoutMs: z.number().int().positive().default(10_000),
  /** A transfer fails when no progress is made for this long. */
  transferIdleTimeoutMs: z.number().int().positive().default(30_000),
  /** Largest CHUNK body a transfer sends (capped by `maxFrameBytes`). */
  transferChunkBytes: z.number().int().min(1024).default(256 * 1024),
  /** Handlers running at once per inbound stream before it stops reading. */
  maxConcurrentPerStream: z.number().int().positive().default(256),
  /** Inbound connections accepted per second per remote host (libp2p's default is 5). */
  inboundConnectionThreshold: z.number().int().positive().default(1000),
  /**
   * Milliseconds between libp2p's liveness pings of each connection (its connection monitor
   * aborts a connection whose ping fails, so that the next send dials afresh). libp2p's
   * default is 10 s; each ping opens a stream and negotiates its protocol on every
   * connection, both ends: in a 25-node mesh that was about a quarter of an idle learner's CPU. Raft's
   * failure detection does not use it (heartbeats and election timeouts, the autopilot's
   * frames heard); only a dead connection's replacement waits up to this long (plus the
   * ping's timeout).
   */
  connectionPingMs: z.number().int().min(1000).default(30_000),
  /** Upper bound on `stop()` waiting for libp2p to shut down. */
  stopTimeoutMs: z.number().int().positive().default(3000),
  /** Connection gater: only peers for which this returns true may connect or be dialled. */
  isAllowedPeer: fn<(peerId: string) => boolean>("isAllowedPeer").optional(),
  /** Where log lines go (default: nowhere). */
  logger: z.custom<NetLogger>(
    (v) => typeof v === "object" && v !== null && typeof (v as NetLogger).warn === "function",
    { error: "logger must have debug/info/warn/error methods" },
  ).optional(),
  /** A preloaded identity (otherwise read or created in `dataDir`). */
  identity: z.custom<NodeIdentity>(
    (v) => typeof v === "object" && v !== null && "privateKey" in v,
    { error: "identity must be a NodeIdentity" },
  ).optional(),
});

/** Options of {@link startNetNode} (defaults applied by {@link NetNodeOptionsSchema}). */
export type NetNodeOptions = z.input<typeof NetNodeOptionsSchema>;
/** {@link NetNodeOptions} with every default filled in. */
export type ResolvedNetNodeOptions = z.output<typeof NetNodeOptionsSchema>;

/** The multiaddrs to listen on for the given options. */
export function listenAddrs(options: Pick<ResolvedNetNodeOptions, "listen" | "host">): string[] {
  if (Array.isArray(options.listen)) return options.listen;
  const family = options.host.includes(":") ? "ip6" : "ip4";
  return [`/${family}/${options.host}/tcp/${options.listen}`];
}
