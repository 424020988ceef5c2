import { type AclMessage, UNANSWERED_ACTS } from "../acl/mod.ts";
import { handleAmsRequest } from "./ams-handler.ts";
import { handleAmsCancel, handleAmsSubscribe } from "./ams-subscribe.ts";
import { type ManagementContext, managementTarget } from "./context.ts";
import { handleDfCancel, handleDfRequest, handleDfSubscribe } from "./df-handler.ts";
import { notUnderstood } from "./not-understood.ts";
import { type ManagementOutcome, repliesOnly } from "./outcome.ts";
import { templateFor } from "./request.ts";

/**
 * The AMS and DF of platform `ctx.platform`: a pure function from an incoming message to
 * the replies, directory commands and subscription changes it causes (SC00023 functions
 * over the FIPA request protocol SC00026, DF subscriptions over SC00035).
 *
 * - `request` to `df@<platform>`: register, deregister, modify, search.
 * - `request` to `ams@<platform>`: search, get-description.
 * - `subscribe` / `cancel` to the DF: registration change notifications.
 * - `subscribe` / `cancel` to the AMS: platform events (agent born, died, moved, state).
 * - wrong language (not FIPA-SL), ontology, protocol, or unparseable content:
 *   `not-understood`; other acts: `not-understood` `(unsupported-act ...)`, except
 *   answers and informs, which are ignored.
 *
 * Messages addressed to neither agent, and messages with nobody to reply to (no sender or
 * reply-to), give an empty outcome.
 *
 * @example
 * ```ts
 * const out = handleManagementMessage(ctx, msg);
 * out.replies.forEach(send);
 * if (out.pending) send(completeRequest(out.pending, await commit(out.commands)));
 * ```
 */
export function handleManagementMessage(
  ctx: ManagementContext,
  msg: AclMessage,
): ManagementOutcome {
  const who = managementTarget(ctx.platform, msg, ctx.localName);
  if (!who) return repliesOnly();
  switch (msg.performative) {
    case "request":
      return who === "df" ? handleDfRequest(ctx, msg) : handleAmsRequest(ctx, msg);
    case "subscribe":
      return who === "df" ? handleDfSubscribe(ctx, msg) : handleAmsSubscribe(ctx, msg);
    case "cancel":
      return who === "df" ? handleDfCancel(ctx, msg) : handleAmsCancel(ctx, msg);
  }
  if (UNANSWERED_ACTS.has(msg.performative)) return repliesOnly();
  const t = templateFor(ctx, msg, who, msg.protocol ?? "fipa-request");
  if (!t) return repliesOnly();
  return repliesOnly(
    notUnderstood(t, msg, { kind: "unsupported-act", act: msg.performative }),
  );
}
