import { type AclMessage, type AgentIdentifier, aid } from "../acl/mod.ts";
import {
  type DfAgentDescription,
  dfAgentDescription,
  type DfTemplate,
  type DirectoryEvent,
  matchesDfTemplate,
} from "../directory/mod.ts";
import { dfAgentDescriptionToSl, equalsIotaResultToSl, parseSl, slSequence } from "../sl/mod.ts";
import { buildReply, type ReplyTemplate } from "./reply.ts";

/**
 * A DF subscription (FIPA subscribe protocol): the subscriber is told of every
 * registration, modification and deregistration that matches `template`.
 */
export interface Subscription {
  /** The subscriber's agent name. */
  subscriber: string;
  /** The conversation of the `subscribe`; with `subscriber` it identifies the subscription. */
  conversation_id?: string;
  template: DfTemplate;
  /** SL text of the subscribed `search` action (named in every notification). */
  action: string;
  /** Parameters of the notifications. */
  reply: ReplyTemplate;
}

/** What identifies a subscription: its subscriber and the conversation of its `subscribe`. */
export interface SubscriptionKeyed {
  subscriber: string;
  conversation_id?: string;
}

/** Subscriptions by key: an immutable value; every operation returns a new registry. */
export interface Registry<S extends SubscriptionKeyed> {
  readonly byKey: ReadonlyMap<string, S>;
}

/** The DF's subscriptions. */
export type SubscriptionRegistry = Registry<Subscription>;

/** The key of a subscription: subscriber name and conversation id. */
export function subscriptionKey(subscriber: string, conversationId?: string): string {
  return `${subscriber.toLowerCase()}\u0000${conversationId ?? ""}`;
}

/** A registry without subscriptions. */
export function emptySubscriptions(): SubscriptionRegistry {
  return { byKey: new Map() };
}

/** Adds (or replaces) a subscription. */
export function addSubscription<S extends SubscriptionKeyed>(
  reg: Registry<S>,
  sub: S,
): Registry<S> {
  const byKey = new Map(reg.byKey);
  byKey.set(subscriptionKey(sub.subscriber, sub.conversation_id), sub);
  return { byKey };
}

/** The subscription of `subscriber` in `conversationId`, if any. */
export function findSubscription<S extends SubscriptionKeyed>(
  reg: Registry<S>,
  subscriber: string,
  conversationId?: string,
): S | undefined {
  return reg.byKey.get(subscriptionKey(subscriber, conversationId));
}

/** Removes one subscription; `removed` is what was there. */
export function removeSubscription<S extends SubscriptionKeyed>(
  reg: Registry<S>,
  subscriber: string,
  conversationId?: string,
): { registry: Registry<S>; removed?: S } {
  const key = subscriptionKey(subscriber, conversationId);
  const removed = reg.byKey.get(key);
  if (!removed) return { registry: reg };
  const byKey = new Map(reg.byKey);
  byKey.delete(key);
  return { registry: { byKey }, removed };
}

/** Removes every subscription of an agent (e.g. when it is deregistered). */
export function dropSubscriber<S extends SubscriptionKeyed>(
  reg: Registry<S>,
  subscriber: string,
): Registry<S> {
  const byKey = new Map(
    [...reg.byKey].filter(([, s]) => s.subscriber.toLowerCase() !== subscriber.toLowerCase()),
  );
  return byKey.size === reg.byKey.size ? reg : { byKey };
}

/** A description that says "this agent is gone" (name only, as JADE notifies removals). */
function removal(name: AgentIdentifier): DfAgentDescription {
  return dfAgentDescription(aid(name.name, [...name.addresses]));
}

/** What one event tells a subscription: the description to report, if it concerns it. */
function concerning(t: DfTemplate, e: DirectoryEvent): DfAgentDescription | undefined {
  switch (e.type) {
    case "df.registered":
      return matchesDfTemplate(t, e.description) ? e.description : undefined;
    case "df.modified":
      if (matchesDfTemplate(t, e.after)) return e.after;
      return matchesDfTemplate(t, e.before) ? removal(e.before.name) : undefined;
    case "df.deregistered":
      return matchesDfTemplate(t, e.description) ? removal(e.description.name) : undefined;
    default:
      return undefined;
  }
}

/**
 * The notification for one subscription: `inform` with
 * `((= (iota ?x (result <search action> ?x)) (sequence <dfd>...)))`.
 */
export function notification(sub: Subscription, descriptions: DfAgentDescription[]): AclMessage {
  return buildReply(sub.reply, "inform", [
    equalsIotaResultToSl(
      parseSl(sub.action),
      slSequence(descriptions.map(dfAgentDescriptionToSl)),
    ),
  ]);
}

/**
 * Which subscribers get which `inform`s for a batch of directory events (the events of
 * one or more applied commands, in order): one message per concerned subscription, listing
 * the registrations that now match (new or modified) and, as name-only descriptions, those
 * that left the subscribed set (deregistered, expired, or modified out of it). Subscriptions
 * are visited in key order, so the output is deterministic. O(subscriptions × events).
 */
export function notifySubscribers(
  reg: SubscriptionRegistry,
  events: readonly DirectoryEvent[],
  /** How descriptions are shown to subscribers (e.g. with full names); default as stored. */
  show: (d: DfAgentDescription) => DfAgentDescription = (d) => d,
): AclMessage[] {
  const out: AclMessage[] = [];
  const keys = [...reg.byKey.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const k of keys) {
    const sub = reg.byKey.get(k)!;
    const changed: DfAgentDescription[] = [];
    for (const e of events) {
      const d = concerning(sub.template, e);
      if (d) changed.push(d);
    }
    if (changed.length) out.push(notification(sub, changed.map(show)));
  }
  return out;
}
