/**
 * The conversation guard's decision, as a pure function: which trackers a routed message
 * steps, and whether it passes.
 * @module
 */
import type { AgentIdentifier } from "../acl/mod.ts";
import type { Delivery } from "../routing/mod.ts";
import {
  expected,
  parseProtocolName,
  start,
  type TrackedMessage,
  type TrackerEffect,
  type TrackerState,
  trackMessage,
  type TrackResult,
  type Violation,
} from "../../protocols/mod.ts";
import type { SubConversationLinks } from "./links.ts";
import type { ReplyToDesignations } from "./reply-to.ts";
import { type CanonicalName, trackedFromAcl } from "./seen.ts";
import type { TrackerStore } from "./store.ts";

/** One tracker step a guard decision asks for. */
export interface GuardStep {
  /** The agent whose tracker it is (canonical name). */
  agent: string;
  /** The shard (conversation id) the state goes to. */
  shard: string;
  /** The shard's state before (absent: the agent had none). */
  before?: TrackerState;
  /** The state after. */
  state: TrackerState;
  effects: TrackerEffect[];
  /** The brokering or recruiting conversation the message's conversation is linked to. */
  link?: string;
  /** Whether the state is to be stored (it changed, or is a new one worth keeping). */
  store: boolean;
}

/**
 * What the guard does with a message: `ok` — apply the `steps` (in order) and note the
 * `designate`d receivers (those told `reply_to` agents); otherwise refuse it with
 * `PROTOCOL_VIOLATION` for `agent`, after storing `step` (a sender's own violation ends its
 * conversation) and the designations of receivers checked before the one that refused.
 */
export type GuardDecision =
  | { ok: true; steps: GuardStep[]; designate: Designate[] }
  | { ok: false; agent: string; violation: Violation; step?: GuardStep; designate: Designate[] };

/** A receiving agent told by `seen` to answer its `reply_to` agents. */
export interface Designate {
  agent: string;
  seen: TrackedMessage;
}

/** What the guard reads: trackers, links and names, never changed by {@link decide}. */
export interface GuardView {
  trackers: Pick<TrackerStore, "get" | "proxyShards" | "hasProxies" | "fresh">;
  links: Pick<SubConversationLinks, "shardOf" | "findParent">;
  replyTo: Pick<ReplyToDesignations, "redirect">;
  canon: CanonicalName;
  /** The router's local name of an agent of this platform, `undefined` for others. */
  localName(id: AgentIdentifier | string): string | undefined;
  platform: string;
  /** Whether a local name's conversations are checked. */
  isTracked(localName: string): boolean;
}

/**
 * Checks a message with the trackers of its local sender and receivers (`local`: the
 * receivers the router resolved to this node). A message an agent or a platform endpoint
 * sends is stepped in its sender's tracker, a message to a local agent in the receiver's;
 * HTTP clients and other nodes are not checked as senders. A conversation a tracker never
 * saw open cannot be checked: an agent's message that continues it, and an answer
 * (`in_reply_to`) to an agent in it, pass unchecked; acts that could open the protocol they
 * name are always checked. Pure: reads `view`, returns what to do.
 *
 * @example
 * ```ts
 * const r = decide(view, delivery, localReceivers);
 * if (!r.ok) throw violationError(r.violation);
 * for (const s of r.steps) if (s.store) trackers.put(s.agent, s.shard, s.state);
 * ```
 */
export function decide(
  view: GuardView,
  d: Delivery,
  local: readonly AgentIdentifier[],
): GuardDecision {
  const msg = d.message;
  const cid = msg.conversation_id;
  if (cid === undefined || cid === "") return { ok: true, steps: [], designate: [] };
  const seen = trackedFromAcl(msg, view.canon, d.accepted_at);
  const staged = new Map<string, GuardStep>();
  const designate: Designate[] = [];
  if (d.origin === undefined || d.origin === "agent" || d.origin === "platform") {
    const sender = msg.sender === undefined ? undefined : view.localName(msg.sender);
    if (sender !== undefined && view.isTracked(sender)) {
      const name = seen.from;
      const t = track(view, name, cid, "sent", view.replyTo.redirect(name, seen));
      const { shard, before, r } = t;
      if (!r.ok && before === undefined && !opens(seen)) {
        // A continuation of a conversation this node never saw open (it began on
        // another node, or before a restart, or was forgotten): not checkable.
        staged.set(name, stepOf(name, shard, before, view.trackers.fresh(name), [], undefined));
      } else if (!r.ok) {
        const step = {
          agent: name,
          shard,
          before,
          state: r.state,
          effects: r.effects,
          store: true,
        };
        return { ok: false, agent: name, violation: r.violation, step, designate };
      } else {
        staged.set(name, stepOf(name, shard, before, r.state, r.effects, t.link));
      }
    }
  }
  for (const to of local) {
    const l = view.localName(to);
    if (l === undefined || !view.isTracked(l)) continue;
    const name = `${l}@${view.platform}`;
    if (staged.has(name)) continue;
    const t = track(view, name, cid, "received", seen);
    const { shard, before, r } = t;
    if (!r.ok && before === undefined && seen.in_reply_to !== undefined && !opens(seen)) {
      // An answer (in_reply_to) in a conversation this agent's tracker does not know.
      continue;
    }
    if (!r.ok) return { ok: false, agent: name, violation: r.violation, designate };
    staged.set(name, stepOf(name, shard, before, r.state, r.effects, t.link));
    if (r.tracked && seen.reply_to !== undefined && seen.reply_to.length > 0) {
      designate.push({ agent: name, seen });
    }
  }
  return { ok: true, steps: [...staged.values()], designate };
}

/**
 * Whether {@link decide} would find nothing to do for a message: it names no protocol, and
 * no tracker of its local sender or receivers holds its conversation or a brokering or
 * recruiting conversation that could take it (so `decide` would pass it with steps that
 * store nothing). A cheap test the guard makes first: a plain request and its reply
 * (send-and-wait's) then cost no tracked message, fresh tracker or result. Pure.
 *
 * @example
 * ```ts
 * if (!untouched(view, delivery, localReceivers)) apply(decide(view, delivery, localReceivers));
 * ```
 */
export function untouched(
  view: GuardView,
  d: Delivery,
  local: readonly AgentIdentifier[],
): boolean {
  const msg = d.message;
  const cid = msg.conversation_id;
  if (cid === undefined || cid === "") return true;
  if (msg.protocol !== undefined) return false;
  if (d.origin === undefined || d.origin === "agent" || d.origin === "platform") {
    const sender = msg.sender === undefined ? undefined : view.localName(msg.sender);
    if (sender !== undefined && view.isTracked(sender) && knows(view, sender, cid)) return false;
  }
  for (const to of local) {
    const l = view.localName(to);
    if (l !== undefined && view.isTracked(l) && knows(view, l, cid)) return false;
  }
  return true;
}

/** Whether a local agent's tracker has conversation `cid`, or may take it as a sub. */
function knows(view: GuardView, local: string, cid: string): boolean {
  const name = `${local}@${view.platform}`;
  return view.trackers.hasProxies(name) ||
    view.trackers.get(name, view.links.shardOf(name, cid)) !== undefined;
}

type Tracked = { shard: string; before?: TrackerState; r: TrackResult; link?: string };

/**
 * Tracks one message of conversation `cid` for `name`: in the shard that holds it (its
 * own, or the brokering/recruiting conversation it was linked to), or, for a conversation
 * this agent has no tracker for, as a new sub-conversation of one of its brokering or
 * recruiting conversations when one takes it (`link` then names that conversation).
 */
function track(
  view: GuardView,
  name: string,
  cid: string,
  direction: "sent" | "received",
  seen: TrackedMessage,
): Tracked {
  const shard = view.links.shardOf(name, cid);
  const before = view.trackers.get(name, shard);
  if (before === undefined) {
    const parent = view.links.findParent(view.trackers.proxyShards(name), direction, seen);
    if (parent !== undefined) {
      return { shard: parent.shard, before: parent.before, r: parent.result, link: parent.shard };
    }
    // No conversation of this id and no protocol named: nothing to check or to keep, as
    // `trackMessage` answers on a fresh tracker (an untracked exchange, e.g. a plain request
    // and its reply), without its copy of the state per message.
    if (seen.protocol === undefined) {
      const state = view.trackers.fresh(name);
      return { shard, before, r: { ok: true, state, tracked: false, effects: [] } };
    }
  }
  return { shard, before, r: trackMessage(before ?? view.trackers.fresh(name), direction, seen) };
}

/** A step of `agent`'s tracker: stored when it changed, or is a new one worth keeping. */
function stepOf(
  agent: string,
  shard: string,
  before: TrackerState | undefined,
  state: TrackerState,
  effects: TrackerEffect[],
  link: string | undefined,
): GuardStep {
  const store = before !== undefined ? state !== before : tracks(state);
  const s: GuardStep = { agent, shard, before, state, effects, store };
  if (link !== undefined) s.link = link;
  return s;
}

/** Whether a tracker holds any conversation (worth keeping). */
function tracks(st: TrackerState): boolean {
  return st.finished.length > 0 || st.active.size > 0;
}

const OPENINGS = new Map<string, readonly string[]>();

/** Whether a message's act opens the protocol it names (so it can start a conversation). */
export function opens(seen: Pick<TrackedMessage, "protocol" | "performative">): boolean {
  const p = seen.protocol === undefined ? undefined : parseProtocolName(seen.protocol);
  if (p === undefined) return false;
  let acts = OPENINGS.get(p);
  if (acts === undefined) {
    acts = expected(start(p, "initiator")).flatMap((m) => m.performatives);
    OPENINGS.set(p, acts);
  }
  return acts.includes(seen.performative);
}
