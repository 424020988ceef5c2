import type { TrailEntry } from "../../protocols/mod.ts";
import type { ConversationView } from "./views.ts";

/** What `GET /api/v1/conversations/{id}` shows: every local agent's view, merged. */
export interface ConversationDetails {
  conversation_id: string;
  /** The protocol of the main view (the initiator's, when it lives here). */
  protocol: string;
  /** One-line state of the main view. */
  state: string;
  finished: boolean;
  initiator: string | null;
  /** The participants and their thread states, as the main view sees them. */
  participants: ConversationView["participants"];
  /** The local agents whose trackers know the conversation. */
  agents: string[];
  /** The message trail from every local view, each message once, oldest first. */
  trail: TrailEntry[];
  /**
   * For a broker's or recruiter's sub-conversation with an id of its own: the brokering or
   * recruiting conversation it belongs to; `null` otherwise.
   */
  linked_to: string | null;
  /** Each local agent's view, without its trail (that is merged above). */
  views: Omit<ConversationView, "trail">[];
}

function trailKey(e: TrailEntry): string {
  return `${e.at ?? ""}\u0000${e.performative}\u0000${e.from}\u0000${e.to.join(",")}`;
}

/**
 * Merges the views several agents' trackers have of one conversation: the main view is the
 * initiator's (if one is among them), else the first; a message both its sender and its
 * receiver tracked appears once in the trail. Pure.
 *
 * @example
 * ```ts
 * const d = mergeViews("c1", [initiatorView, participantView]);
 * d.trail.map((e) => e.performative); // ["cfp", "propose", ...]
 * ```
 */
export function mergeViews(
  conversationId: string,
  views: readonly ConversationView[],
): ConversationDetails | undefined {
  if (views.length === 0) return undefined;
  const main = views.find((v) => v.role === "initiator" && !v.finished) ??
    views.find((v) => v.role === "initiator") ?? views[0];
  const seen = new Set<string>();
  const trail: TrailEntry[] = [];
  for (const v of views) {
    for (const e of v.trail) {
      const k = trailKey(e);
      if (seen.has(k)) continue;
      seen.add(k);
      trail.push(e);
    }
  }
  // By time (ISO 8601 in one format compares as text), then in the order seen.
  const indexed = trail.map((e, i) => ({ e, i }));
  indexed.sort((a, b) => {
    const x = a.e.at ?? "";
    const y = b.e.at ?? "";
    return x < y ? -1 : x > y ? 1 : a.i - b.i;
  });
  return {
    conversation_id: conversationId,
    protocol: main.protocol,
    state: main.state,
    finished: main.finished,
    initiator: main.initiator,
    participants: main.participants,
    agents: [...new Set(views.map((v) => v.agent))],
    trail: indexed.map((x) => x.e),
    linked_to: views.find((v) => v.linked_to !== null)?.linked_to ?? null,
    views: views.map(({ trail: _t, ...rest }) => rest),
  };
}
