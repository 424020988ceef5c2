import {
  type TrackedMessage,
  type TrackerState,
  trackMessage,
  type TrackResult,
} from "../../protocols/mod.ts";

/** Protocols whose conversations hold sub-conversations with ids of their own. */
const WITH_SUBS: ReadonlySet<string> = new Set(["fipa-brokering", "fipa-recruiting"]);

/**
 * Whether a shard holds a brokering or recruiting conversation under way. Asked once per
 * stored state (the tracker store keeps the answer as its index of such shards); a shard
 * holds the conversations of one id, so this looks at one or two of them.
 */
export function holdsProxy(st: TrackerState): boolean {
  for (const c of st.active.values()) {
    if (WITH_SUBS.has(c.machine.protocol)) return true;
  }
  return false;
}

/**
 * Which tracker shard (by conversation id) holds each agent's sub-conversations: a broker's
 * or recruiter's exchange with its targets under an id of its own is checked inside the
 * brokering (recruiting) conversation it belongs to, linked to it. Bounded: the oldest
 * links go first.
 */
export class SubConversationLinks {
  readonly #links = new Map<string, string>();

  constructor(readonly max = 4096) {}

  /** The shard holding conversation `cid` of `agent`: its outer conversation's, or its own. */
  shardOf(agent: string, cid: string): string {
    // Without links (no brokering or recruiting under way), no key to build per message.
    if (this.#links.size === 0) return cid;
    return this.#links.get(`${agent}\u0000${cid}`) ?? cid;
  }

  /** The outer conversation of a linked sub-conversation, if any. */
  parentOf(agent: string, cid: string): string | undefined {
    if (this.#links.size === 0) return undefined;
    return this.#links.get(`${agent}\u0000${cid}`);
  }

  /** Notes that `cid` of `agent` is a sub-conversation of `outer`. */
  link(agent: string, cid: string, outer: string): void {
    const key = `${agent}\u0000${cid}`;
    this.#links.delete(key);
    this.#links.set(key, outer);
    if (this.#links.size > this.max) {
      this.#links.delete(this.#links.keys().next().value!);
    }
  }

  /** Forgets every link of `agent`. */
  dropAgent(agent: string): void {
    for (const k of this.#links.keys()) if (k.startsWith(`${agent}\u0000`)) this.#links.delete(k);
  }

  /**
   * For a message of a conversation `agent` has no tracker for: the shard among `shards`
   * (its brokering or recruiting conversations under way, as `TrackerStore.proxyShards`
   * gives them; others are skipped) that takes it as a new
   * sub-conversation, with the tracking result; `undefined` when none does.
   */
  findParent(
    shards: Iterable<[string, TrackerState]>,
    direction: "sent" | "received",
    seen: TrackedMessage,
  ): { shard: string; before: TrackerState; result: TrackResult & { ok: true } } | undefined {
    for (const [shard, st] of shards) {
      if (shard === seen.conversation_id || !holdsProxy(st)) continue;
      const r = trackMessage(st, direction, seen);
      if (r.ok && r.linked_to !== undefined) return { shard, before: st, result: r };
    }
    return undefined;
  }
}
