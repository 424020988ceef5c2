/**
 * Noise whose encrypted frames reach the socket in one write each.
 *
 * `@chainsafe/libp2p-noise` hands the transport each encrypted frame as a list of two
 * buffers (the 2-byte length, then the ciphertext), and `@libp2p/tcp` writes every buffer
 * of a list with its own `socket.write`. Under Deno's Node compatibility a socket write costs
 * tens of microseconds whatever its size (it was the leader's top CPU entry under load), so
 * this wrapper joins each encrypted frame into one buffer: one write instead of two. It
 * relies on the secured connection's `encrypt(chunk)` method (noise 17); if that ever goes
 * away the wrapper does nothing, and {@link coalescedConnections} stays at 0 (a test checks).
 * @module
 */
import { noise } from "@chainsafe/libp2p-noise";
import type { SecuredConnection } from "@libp2p/interface";

type NoiseFactory = ReturnType<typeof noise>;

interface Encrypting {
  encrypt?: (chunk: unknown) => { bufs?: Uint8Array[]; subarray(): Uint8Array };
}

let coalesced = 0;

/** Secured connections whose frames this process writes in one piece (for tests). */
export function coalescedConnections(): number {
  return coalesced;
}

function coalesce<T extends SecuredConnection<unknown>>(secured: T): T {
  const conn = secured.connection as unknown as Encrypting;
  const encrypt = conn.encrypt;
  if (typeof encrypt !== "function") return secured;
  conn.encrypt = (chunk) => {
    const list = encrypt.call(conn, chunk);
    return list.bufs !== undefined && list.bufs.length > 1
      ? list.subarray() as unknown as ReturnType<typeof encrypt>
      : list;
  };
  coalesced++;
  return secured;
}

/** `noise()` with one socket write per encrypted frame (see the module documentation). */
export function noiseOneWrite(): NoiseFactory {
  const make = noise();
  return (components) => {
    const enc = make(components);
    const inbound = enc.secureInbound.bind(enc);
    const outbound = enc.secureOutbound.bind(enc);
    enc.secureInbound = async (...args: Parameters<typeof inbound>) =>
      coalesce(await inbound(...args));
    enc.secureOutbound = async (...args: Parameters<typeof outbound>) =>
      coalesce(await outbound(...args));
    return enc;
  };
}
