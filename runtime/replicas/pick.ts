/**
 * Which instance of a replicated agent takes a message, pure: rendezvous (highest random
 * weight) hashing of the conversation over the instances. Every node computes the same
 * order from the same placement, so a conversation reaches one instance whichever node
 * receives its messages, and no node keeps a table of conversations. When an instance is
 * gone (its node lost, or it is being replaced) only its conversations move, each to the
 * next instance of its own order; the others stay where they are.
 * @module
 */
import type { ReplicaPlacement } from "../directory/mod.ts";

/**
 * The key a message is spread by: its conversation id, else its message id (a message
 * outside any conversation is a conversation of its own).
 */
export function spreadKey(conversationId: string | undefined, messageId: string): string {
  return conversationId !== undefined && conversationId !== ""
    ? `c:${conversationId}`
    : `m:${messageId}`;
}

/**
 * The instances in the order a message with `key` tries them: the first takes it, the next
 * ones only when those before are unavailable. Ties (never in practice) go to the lower index.
 */
export function rankInstances(
  key: string,
  instances: readonly ReplicaPlacement[],
): ReplicaPlacement[] {
  return instances
    .map((p) => ({ p, w: weight(key, p.index) }))
    .sort((a, b) => b.w - a.w || a.p.index - b.p.index)
    .map((x) => x.p);
}

/** The rendezvous weight of instance `index` for `key`: FNV-1a (32 bit) mixed by murmur3's finalizer. */
export function weight(key: string, index: number): number {
  let h = 0x811c9dc5;
  const s = `${key}#${index}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The nodes counted live when replicas are placed: this node, and every other member heard
 * from within `deadAfterMs` (`silentMs` from the leader's health view; a member it has no
 * figure for counts as live). Sorted.
 */
export function liveNodes(
  self: string,
  members: readonly string[],
  silentMs: Readonly<Record<string, { silentMs: number }>>,
  deadAfterMs: number,
): string[] {
  return members
    .filter((m) => m === self || (silentMs[m]?.silentMs ?? 0) < deadAfterMs)
    .sort();
}
