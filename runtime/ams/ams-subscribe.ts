import type { AclMessage } from "../acl/mod.ts";
import {
  actionFromIotaSl,
  agentIdentifierToSl,
  amsAgentDescriptionToSl,
  doneToSl,
  equalsIotaResultToSl,
  exceptionToSl,
  parseSlContent,
  SL_TRUE,
  slApply,
  SlError,
  slSequence,
  type SlTerm,
  writeSl,
} from "../sl/mod.ts";
import { searchAms } from "./ams-handler.ts";
import { type AmsSubscription, removeAmsSubscription } from "./ams-subscriptions.ts";
import type { ManagementContext } from "./context.ts";
import { effectiveMaxResults } from "./df-handler.ts";
import { messageToSl, notUnderstood } from "./not-understood.ts";
import { type ManagementOutcome, repliesOnly } from "./outcome.ts";
import { buildReply } from "./reply.ts";
import {
  actionText,
  isParsed,
  parseManagementContent,
  readAction,
  refuse,
  templateFor,
} from "./request.ts";

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
  const t = templateFor(ctx, msg, "ams", "fipa-subscribe");
  if (!t || !msg.sender) return repliesOnly();
  let cancelled: SlTerm | undefined;
  if (typeof msg.content === "string") {
    try {
      const els = parseSlContent(msg.content);
      if (els.length === 1) cancelled = els[0];
    } catch (e) {
      if (!(e instanceof SlError)) throw e;
    }
  }
  cancelled ??= slApply("action", agentIdentifierToSl(msg.sender), messageToSl(msg));
  const { removed } = removeAmsSubscription(
    ctx.amsSubscriptions ?? { byKey: new Map() },
    msg.sender.name,
    msg.conversation_id,
  );
  if (!removed) {
    const why = `no AMS subscription of ${msg.sender.name} in conversation ` +
      `${msg.conversation_id ?? "(none)"}`;
    return repliesOnly(
      buildReply(t, "failure", [
        cancelled,
        exceptionToSl({ kind: "internal-error", message: why }),
      ]),
    );
  }
  const outcome: ManagementOutcome = {
    replies: [buildReply(t, "inform", [doneToSl(cancelled)])],
    commands: [],
    amsUnsubscribe: { subscriber: removed.subscriber },
  };
  if (removed.conversation_id !== undefined) {
    outcome.amsUnsubscribe!.conversation_id = removed.conversation_id;
  }
  return outcome;
}
