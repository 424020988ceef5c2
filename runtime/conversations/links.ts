import {
  type TrackedMessage,
  type TrackerState,
  trackMessage,
  type TrackResult,
} from "../../protocols/mod.ts";

/** Protocols whose conversations hold sub-conversations with ids of their own. */
const WITH_SUBS: ReadonlySet<string> = new Set(["fipa-brokering", "fipa-recruiting"]);

/**
 * The answers of {@link holdsProxy}, by state: a tracker state is never changed once made
 * (every step makes a new one), so its answer holds as long as the state lives. Every message
 * that opens a conversation asks it of all the agent's shards under way.
 */
const PROXY_ANSWERS = new WeakMap<TrackerState, boolean>();

/** Whether a shard holds a brokering or recruiting conversation under way. */
export function holdsProxy(st: TrackerState): boolean {
  let answer = PROXY_ANSWERS.get(st);
  if (answer === undefined) {
    answer = Object.values(st.active).some((c) => WITH_SUBS.has(c.machine.protocol));
    PROXY_ANSWERS.set(st, answer);
  }
  return answer;
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
    return this.#links.get(`${agent}\u0000${cid}`) ?? cid;
  }

  /** The outer conversation of a linked sub-conversation, if any. */
  parentOf(agent: string, cid: string): string | undefined {
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
