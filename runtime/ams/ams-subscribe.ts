import type { AclMessage } from "../acl/mod.ts";
import {
  actionFromIotaSl,
  amsAgentDescriptionToSl,
  equalsIotaResultToSl,
  SL_TRUE,
  slSequence,
  type SlTerm,
  writeSl,
} from "../sl/mod.ts";
import { searchAms } from "./ams-handler.ts";
import type { AmsSubscription } from "./ams-subscriptions.ts";
import { cancelSubscription } from "./cancel.ts";
import { findSubscription } from "./subscriptions.ts";
import type { ManagementContext } from "./context.ts";
import { effectiveMaxResults } from "./df-handler.ts";
import { notUnderstood } from "./not-understood.ts";
import { type ManagementOutcome, repliesOnly } from "./outcome.ts";
import { buildReply } from "./reply.ts";
import { actionText, isParsed, parseManagementContent, readAction, refuse } from "./request.ts";

/**
 * Handles a `subscribe` to the AMS (FIPA subscribe protocol) with content
 * `((iota ?x (result (action <ams> (search <ams-agent-description> <constraints>)) ?x)))`:
 * answers `agree` and an `inform` with the agents that match now, and returns the
 * subscription to add; platform events (agent born, died, moved, state changed) about
 * matching agents follow as `inform`s (see `notifyAmsSubscribers`).
 */
export function handleAmsSubscribe(ctx: ManagementContext, msg: AclMessage): ManagementOutcome {
  const parsed = parseManagementContent(ctx, msg, "ams", "fipa-subscribe");
  if (!("elements" in parsed)) return parsed;
  const { t, elements } = parsed;
  const action = elements.length === 1 ? actionFromIotaSl(elements[0]) : undefined;
  if (!action) {
    return repliesOnly(notUnderstood(
      t,
      msg,
      { kind: "unrecognised-value", parameter: "content" },
      "expected ((iota ?x (result (action <ams> (search ...)) ?x)))",
    ));
  }
  const p = readAction(ctx, msg, t, "ams", action);
  if (!isParsed(p)) return p;
  const a = p.expr.action;
  if (a.function !== "search") {
    return refuse(p, msg, { kind: "unsupported-function", function: a.function });
  }
  if (a.description.kind !== "ams") {
    return refuse(p, msg, {
      kind: "unrecognised-parameter-value",
      parameter: "description",
      value: writeSl(p.call.items[1] as SlTerm),
    });
  }
  if (!msg.sender) return refuse(p, msg, { kind: "unauthorised" });
  const found = searchAms(
    ctx,
    a.description.value,
    effectiveMaxResults(ctx, a.constraints.max_results),
  );
  const sub: AmsSubscription = {
    subscriber: msg.sender.name,
    template: a.description.value,
    action: actionText(p),
    reply: t,
  };
  if (msg.conversation_id !== undefined) sub.conversation_id = msg.conversation_id;
  return {
    replies: [
      buildReply(p.t, "agree", [p.action, SL_TRUE]),
      buildReply(t, "inform", [
        equalsIotaResultToSl(p.action, slSequence(found.map(amsAgentDescriptionToSl))),
      ]),
    ],
    commands: [],
    amsSubscribe: sub,
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
