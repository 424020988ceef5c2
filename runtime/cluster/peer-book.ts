import { getMember, listMembers } from "../directory/mod.ts";
import type { NetNode } from "../net/mod.ts";
import type { DirectoryMachine } from "./directory-machine.ts";

/**
 * Where the cluster's members are and which libp2p peers may speak its protocols: the
 * applied directory's member records, plus hints (what a join answer or an authenticated
 * frame told this node before the directory caught up).
 * @module
 */

/** The peer id a multiaddr ends with (`.../p2p/<id>`), or the string itself if it is an id. */
export function peerIdOf(address: string): string | undefined {
  if (!address.startsWith("/")) return address || undefined;
  const i = address.lastIndexOf("/p2p/");
  return i < 0 ? undefined : address.slice(i + 5);
}

/** Member addresses and peer trust as one node knows them. */
export class PeerBook {
  /** Member id → addresses learnt outside the directory. */
  readonly #hints = new Map<string, string[]>();
  /** The trusted peer ids, rebuilt after a membership change (checked on every frame). */
  #trusted: Set<string> | undefined;

  constructor(
    private readonly machine: DirectoryMachine,
    private readonly self: { id: string; net: NetNode; join: string[] },
  ) {
    machine.onEvents((events) => {
      // A restore reports no events: anything may have changed.
      if (events.length === 0 || events.some((e) => e.type.startsWith("member."))) {
        this.#trusted = undefined;
      }
    });
  }

  /**
   * Whether a libp2p peer may speak the cluster's protocols: a current member, or (while
   * this node joins) a peer it was told to join through or heard of in the join answer.
   */
  isTrustedPeer(peer: string): boolean {
    this.#trusted ??= this.#trustedPeers();
    return this.#trusted.has(peer);
  }

  #trustedPeers(): Set<string> {
    const addresses = [
      ...listMembers(this.machine.state).flatMap((m) => m.addresses),
      ...[...this.#hints.values()].flat(),
      ...this.self.join,
    ];
    const ids = new Set<string>();
    for (const a of addresses) {
      const id = peerIdOf(a);
      if (id !== undefined) ids.add(id);
    }
    return ids;
  }

  /** Records addresses of a member learnt outside the directory (a join, a join answer). */
  setHint(member: string, addresses: string[]): void {
    this.#hints.set(member, addresses);
    this.#trusted = undefined;
  }

  /** Forgets what was learnt of a member outside the directory (it was removed). */
  deleteHint(member: string): void {
    this.#hints.delete(member);
    this.#trusted = undefined;
  }

  /**
   * Remembers the authenticated peer a member's frame came from, as a way back to a sender
   * the directory does not list yet (a joining node hears from the leader before its join
   * is answered).
   */
  heardFrom(member: string, peer: string): void {
    if (!this.#hints.has(member) && !getMember(this.machine.state, member)) {
      this.setHint(member, [peer]);
    }
  }

  /** Addresses of a member: from the directory, else from what a join told us. */
  addressesOf(id: string): string[] {
    return getMember(this.machine.state, id)?.addresses ?? this.#hints.get(id) ?? [];
  }

  /** One dialable address of a member. */
  addressOf(id: string): string | undefined {
    return this.addressesOf(id)[0];
  }

  /** Member id → addresses, as known here. */
  peerTable(): Record<string, string[]> {
    const t: Record<string, string[]> = Object.fromEntries(this.#hints);
    for (const m of listMembers(this.machine.state)) t[m.id] = m.addresses;
    t[this.self.id] = this.self.net.addresses();
    return t;
  }
}
