import type { NetworkAccess } from "./manifest.ts";

/** Facts about receivers that only the node knows, asked for lazily. */
export interface ReceiverFacts {
  /** Names the agent may answer in this call (senders and `reply-to` of its messages). */
  peers: ReadonlySet<string>;
  /** Whether an agent is hosted on this node. */
  isLocal(name: string): boolean;
  /** The node an agent lives on, if known. */
  nodeOf(name: string): string | undefined;
}

/** Whether a manifest's network access lets an agent address `receiver`; why not if not. */
export function receiverAllowed(
  access: NetworkAccess,
  receiver: string,
  facts: ReceiverFacts,
): string | undefined {
  if (access === "any" || facts.peers.has(receiver)) return undefined;
  if (access === "none") {
    return `receiver ${JSON.stringify(receiver)} is not allowed: the manifest's network access ` +
      `is "none" (only answers to the agents whose messages are being handled)`;
  }
  if (access === "local") {
    if (facts.isLocal(receiver)) return undefined;
    return `receiver ${JSON.stringify(receiver)} is not allowed: it is not on this node ` +
      `and the manifest's network access is "local"`;
  }
  if (access.includes(receiver)) return undefined;
  const nodes = access.filter((a) => a.startsWith("node:"));
  if (nodes.length) {
    const node = facts.nodeOf(receiver);
    if (node !== undefined && nodes.includes(`node:${node}`)) return undefined;
  }
  return `receiver ${JSON.stringify(receiver)} is not allowed by the manifest's network list`;
}

/** Whether a manifest's protocol list lets a message name `protocol`; why not if not. */
export function protocolAllowed(
  protocols: "any" | readonly string[],
  protocol: string | undefined,
): string | undefined {
  if (protocol === undefined || protocols === "any" || protocols.includes(protocol)) {
    return undefined;
  }
  return `protocol ${JSON.stringify(protocol)} is not allowed by the manifest ` +
    `(allowed: ${protocols.join(", ") || "none"})`;
}

/** Storage usage of a key-value pair: UTF-8 key bytes plus value bytes. */
export function entrySize(key: string, value: Uint8Array): number {
  return new TextEncoder().encode(key).length + value.length;
}
