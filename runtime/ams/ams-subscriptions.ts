import { type AclMessage, aid } from "../acl/mod.ts";
import type { AgentRecord, DirectoryEvent } from "../directory/mod.ts";
import {
  type AmsAgentDescription,
  amsAgentDescriptionToSl,
  equalsIotaResultToSl,
  parseSl,
  slSequence,
} from "../sl/mod.ts";
import { amsDescriptionOf, FIPA_STATE } from "./ams-state.ts";
import { buildReply, type ReplyTemplate } from "./reply.ts";
import type { Registry } from "./subscriptions.ts";

/** The platform events an AMS subscriber is told of (the `X-platform-event` of an inform). */
export type PlatformEvent = "agent-born" | "agent-died" | "agent-moved" | "agent-state";

/**
 * A subscription to the AMS (FIPA subscribe protocol over an AMS `search`): the subscriber
 * is told of every platform event about an agent that matches `template` (born, died,
 * moved to another node, FIPA state changed).
 */
export interface AmsSubscription {
  /** The subscriber's agent name. */
  subscriber: string;
  /** The conversation of the `subscribe`; with `subscriber` it identifies the subscription. */
  conversation_id?: string;
  template: AmsAgentDescription;
  /** SL text of the subscribed `search` action (named in every notification). */
  action: string;
  /** Parameters of the notifications. */
  reply: ReplyTemplate;
}

/** The AMS's subscriptions (the DF's registry operations apply to it too). */
export type AmsSubscriptionRegistry = Registry<AmsSubscription>;

/** A registry without subscriptions. */
export function emptyAmsSubscriptions(): AmsSubscriptionRegistry {
  return { byKey: new Map() };
}

/** Whether an AMS description matches a template (state, ownership, local name). */
export function matchesAmsTemplate(
  t: AmsAgentDescription,
  d: AmsAgentDescription,
  localOf: (name: string) => string | undefined,
): boolean {
  if (t.state !== undefined && d.state !== t.state) return false;
  if (t.ownership !== undefined && d.ownership !== t.ownership) return false;
  if (t.name !== undefined) {
    const a = localOf(t.name.name);
    const b = d.name === undefined ? undefined : localOf(d.name.name);
    if (a === undefined || b === undefined || a.toLowerCase() !== b.toLowerCase()) return false;
  }
  return true;
}

/** A platform event about one agent, as the AMS reports it. */
interface Happening {
  event: PlatformEvent;
  record: AgentRecord;
  /** For `agent-moved`: the nodes. */
  from?: string;
  to?: string;
}

/** The platform events one directory event stands for (none for DF and member events). */
export function platformEvents(e: DirectoryEvent): Happening[] {
  switch (e.type) {
    case "agent.registered":
      return [{ event: "agent-born", record: e.agent }];
    case "agent.deregistered":
      return [{ event: "agent-died", record: e.agent }];
    case "agent.updated": {
      const out: Happening[] = [];
      if (e.before.node !== e.after.node) {
        out.push({ event: "agent-moved", record: e.after, from: e.before.node, to: e.after.node });
      } else if (FIPA_STATE[e.before.state] !== FIPA_STATE[e.after.state]) {
        out.push({ event: "agent-state", record: e.after });
      }
      return out;
    }
    default:
      return [];
  }
}

/**
 * Which subscribers get which `inform`s for a batch of directory events: one message per
 * (subscription, platform event), in event order and subscription key order, with content
 * `((= (iota ?x (result <search action> ?x)) (sequence <ams-agent-description>)))` (a dead
 * agent as a name-only description) and the user-defined parameter `X-platform-event`
 * (`agent-born`, `agent-died`, `agent-moved` with `X-from-node`/`X-to-node`, `agent-state`).
 * Pure.
 */
export function notifyAmsSubscribers(
  reg: AmsSubscriptionRegistry,
  events: readonly DirectoryEvent[],
  platform: string,
  addresses: string[],
  localOf: (name: string) => string | undefined,
): AclMessage[] {
  if (reg.byKey.size === 0) return [];
  const keys = [...reg.byKey.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: AclMessage[] = [];
  for (const e of events) {
    for (const h of platformEvents(e)) {
      const full = amsDescriptionOf(h.record, platform, addresses);
      const shown: AmsAgentDescription = h.event === "agent-died"
        ? { name: aid(full.name!.name, [...addresses]) }
        : full;
      for (const k of keys) {
        const sub = reg.byKey.get(k)!;
        if (!matchesAmsTemplate(sub.template, full, localOf)) continue;
        const m = buildReply(sub.reply, "inform", [
          equalsIotaResultToSl(parseSl(sub.action), slSequence([amsAgentDescriptionToSl(shown)])),
        ]);
        m.user_params = {
          ...m.user_params,
          "X-platform-event": h.event,
          ...(h.from !== undefined ? { "X-from-node": h.from, "X-to-node": h.to! } : {}),
        };
        out.push(m);
      }
    }
  }
  return out;
}
