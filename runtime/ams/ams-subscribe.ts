import type { AclMessage } from "../acl/mod.ts";
import { amsAgentDescriptionToSl } from "../sl/mod.ts";
import { searchAms } from "./ams-handler.ts";
import { cancelSubscription } from "./cancel.ts";
import { findSubscription } from "./subscriptions.ts";
import type { ManagementContext } from "./context.ts";
import { type ManagementOutcome, repliesOnly } from "./outcome.ts";
import { isSubscribeSearch, readSubscribeSearch, subscribeReplies } from "./subscribe-search.ts";

/**
 * Handles a `subscribe` to the AMS (FIPA subscribe protocol) with content
 * `((iota ?x (result (action <ams> (search <ams-agent-description> <constraints>)) ?x)))`:
 * answers `agree` and an `inform` with the agents that match now, and returns the
 * subscription to add; platform events (agent born, died, moved, state changed) about
 * matching agents follow as `inform`s (see `notifyAmsSubscribers`).
 */
export function handleAmsSubscribe(ctx: ManagementContext, msg: AclMessage): ManagementOutcome {
  const s = readSubscribeSearch(ctx, msg, "ams");
  if (!isSubscribeSearch(s)) return s;
  const found = searchAms(ctx, s.subscription.template, s.maxResults);
  return {
    replies: subscribeReplies(s, found.map(amsAgentDescriptionToSl)),
    commands: [],
    amsSubscribe: s.subscription,
  };
}

/**
 * Handles a `cancel` of an AMS subscription (by sender and conversation id): `inform`
 * `((done <cancelled>))` and the subscription to remove, or `failure` when there is none.
 */
export function handleAmsCancel(ctx: ManagementContext, msg: AclMessage): ManagementOutcome {
  const r = cancelSubscription(
    ctx,
    msg,
    "ams",
    (subscriber, cid) =>
      findSubscription(ctx.amsSubscriptions ?? { byKey: new Map() }, subscriber, cid),
  );
  if (!r) return repliesOnly();
  return r.gone ? { ...repliesOnly(r.reply), amsUnsubscribe: r.gone } : repliesOnly(r.reply);
}
