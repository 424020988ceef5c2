/**
 * Naming peers: a peer id (`12D3KooW...`) or a multiaddr ending in `/p2p/<peer id>`.
 * @module
 */
import type { PeerId } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { type Multiaddr, multiaddr } from "@multiformats/multiaddr";
import { ApiError } from "../errors/mod.ts";

/** A peer to talk to: its id, and what to hand libp2p to reach it. */
export interface Target {
  peerId: string;
  dial: PeerId | Multiaddr;
}

const targetCache = new Map<string, Target>();
const TARGET_CACHE_SIZE = 4096;

/** Parses a peer id or multiaddr (parsing costs ~10 µs, so results are cached). */
export function resolveTarget(peer: string): Target {
  const hit = targetCache.get(peer);
  if (hit) return hit;
  const target = parseTarget(peer);
  if (targetCache.size >= TARGET_CACHE_SIZE) targetCache.clear();
  targetCache.set(peer, target);
  return target;
}

function parseTarget(peer: string): Target {
  if (peer.startsWith("/")) {
    let ma: Multiaddr;
    try {
      ma = multiaddr(peer);
    } catch (err) {
      throw new ApiError(
        "INVALID_REQUEST",
        `"${peer}" is not a multiaddr: ${(err as Error).message}`,
        {
          peer,
        },
      );
    }
    const p2p = ma.getComponents().findLast((c) => c.name === "p2p");
    if (!p2p?.value) {
      throw new ApiError("INVALID_REQUEST", `multiaddr "${peer}" does not end in /p2p/<peer id>`, {
        peer,
      });
    }
    return { peerId: p2p.value, dial: ma };
  }
  try {
    const id = peerIdFromString(peer);
    return { peerId: id.toString(), dial: id };
  } catch {
    throw new ApiError("INVALID_REQUEST", `"${peer}" is neither a peer id nor a multiaddr`, {
      peer,
    });
  }
}
