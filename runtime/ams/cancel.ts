import type { AclMessage } from "../acl/mod.ts";
import {
  agentIdentifierToSl,
  doneToSl,
  exceptionToSl,
  parseSlContent,
  slApply,
  SlError,
  type SlTerm,
} from "../sl/mod.ts";
import type { ManagementAgent, ManagementContext } from "./context.ts";
import { messageToSl } from "./not-understood.ts";
import { buildReply } from "./reply.ts";
import { templateFor } from "./request.ts";
import type { SubscriptionKeyed } from "./subscriptions.ts";

/**
 * A `cancel` of a subscription to the AMS or DF (identified by sender and conversation id):
 * the reply — `inform` `((done <cancelled>))`, or `failure` naming what was not found — and
 * the key of the subscription `find` found (`gone`), for the caller to remove. `<cancelled>` is the cancel's
 * content element when it is SL, else the cancel act itself. `undefined` when there is
 * nobody to answer.
 */
export function cancelSubscription<S extends SubscriptionKeyed>(
  ctx: ManagementContext,
  msg: AclMessage,
  who: ManagementAgent,
  find: (subscriber: string, conversationId?: string) => S | undefined,
): { reply: AclMessage; gone?: { subscriber: string; conversation_id?: string } } | undefined {
  const t = templateFor(ctx, msg, who, "fipa-subscribe");
  if (!t || !msg.sender) return undefined;
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
  const removed = find(msg.sender.name, msg.conversation_id);
  if (!removed) {
    const why = `no ${who === "ams" ? "AMS " : ""}subscription of ${msg.sender.name} in ` +
      `conversation ${msg.conversation_id ?? "(none)"}`;
    return {
      reply: buildReply(t, "failure", [
        cancelled,
        exceptionToSl({ kind: "internal-error", message: why }),
      ]),
    };
  }
  const gone: { subscriber: string; conversation_id?: string } = { subscriber: removed.subscriber };
  if (removed.conversation_id !== undefined) gone.conversation_id = removed.conversation_id;
  return { reply: buildReply(t, "inform", [doneToSl(cancelled)]), gone };
}
