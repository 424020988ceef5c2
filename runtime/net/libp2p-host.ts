/**
 * Creating and stopping the libp2p node itself: TCP (a turn's writes to one connection in
 * one socket write: `cork-writes.ts`) + Noise (one socket write per encrypted frame:
 * `noise-one-write.ts`) + Yamux, the connection gater, the raised inbound-connection
 * rate limit, and a shutdown that is bounded and leaves no timer or channel behind (so the
 * Deno process can exit).
 * @module
 */
import "./deno-compat.ts";
import { corkWrites } from "./cork-writes.ts";
import { noiseOneWrite } from "./noise-one-write.ts";
import { yamuxLazyWindow } from "./yamux-lazy-window.ts";
import type { PeerId } from "@libp2p/interface";
import { tcp } from "@libp2p/tcp";
import { createLibp2p, type Libp2p, type Libp2pOptions } from "libp2p";
import type { NodeIdentity } from "./identity.ts";
import type { NetLogger } from "./logger.ts";
import { listenAddrs, type ResolvedNetNodeOptions } from "./node-options.ts";
import { errorMessage } from "./wire-error.ts";

/** What the host needs to be built. */
export interface HostInit {
  options: ResolvedNetNodeOptions;
  identity: NodeIdentity;
  /** The gater: true (and counted by the caller) when a peer must be refused. */
  refuse(peerId: string, where: string): boolean;
}

/** Creates and starts the libp2p node. */
export async function createHost(init: HostInit): Promise<Libp2p> {
  const { options, identity, refuse } = init;
  const peerDiscovery: NonNullable<Libp2pOptions["peerDiscovery"]> = [];
  if (options.mdns) {
    const { mdns } = await import("@libp2p/mdns");
    peerDiscovery.push(mdns());
  }
  return await createLibp2p({
    privateKey: identity.privateKey,
    addresses: { listen: listenAddrs(options) },
    transports: [tcp()],
    connectionEncrypters: [corkWrites(noiseOneWrite())],
    streamMuxers: [yamuxLazyWindow()],
    peerDiscovery,
    connectionMonitor: { pingInterval: options.connectionPingMs },
    connectionManager: {
      // libp2p's default (5 per second per host) refuses cluster bursts and test suites
      inboundConnectionThreshold: options.inboundConnectionThreshold,
    },
    connectionGater: {
      denyDialPeer: (peer: PeerId) => refuse(peer.toString(), "dial"),
      denyInboundEncryptedConnection: (peer: PeerId) => refuse(peer.toString(), "inbound"),
      denyOutboundEncryptedConnection: (peer: PeerId) => refuse(peer.toString(), "outbound"),
    },
  });
}

/** Stops the libp2p node, waiting at most `timeoutMs`. Never throws. */
export async function stopHost(
  libp2p: Libp2p,
  timeoutMs: number,
  logger: NetLogger,
): Promise<void> {
  await closeConnections(libp2p, Math.min(timeoutMs, 1000));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const outcome = await Promise.race([
      Promise.resolve(libp2p.stop()).then(() => "stopped" as const),
      timedOut,
    ]);
    if (outcome === "timeout") {
      logger.warn("libp2p did not stop in time", { timeout_ms: timeoutMs });
    }
  } catch (err) {
    logger.error("libp2p stop failed", { error: errorMessage(err) });
  } finally {
    clearTimeout(timer);
    cancelAddressDebounce(libp2p);
  }
}

/**
 * Closes every connection under our own cancellable deadline. Left to `libp2p.stop()`,
 * each close is bounded by an `AbortSignal.timeout(500)` that keeps a Deno process alive
 * for half a second after everything is already closed.
 */
async function closeConnections(libp2p: Libp2p, deadlineMs: number): Promise<void> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error("close deadline")), deadlineMs);
  try {
    await Promise.all(
      libp2p.getConnections().map((conn) =>
        conn.close({ signal: ac.signal }).catch((err) => conn.abort(err as Error))
      ),
    );
  } finally {
    clearTimeout(timer);
  }
}

/**
 * libp2p's address manager debounces a peer-store update by 1 s on every listener change,
 * including the close at stop, and nothing cancels it: cancel it so a stopped node leaves
 * no timer behind (best effort; internal field, absent in other versions).
 */
function cancelAddressDebounce(libp2p: Libp2p): void {
  const components = (libp2p as unknown as { components?: Record<string, unknown> }).components;
  const manager = components?.addressManager as {
    _updatePeerStoreAddresses?: { stop?: () => void };
  } | undefined;
  manager?._updatePeerStoreAddresses?.stop?.();
}
