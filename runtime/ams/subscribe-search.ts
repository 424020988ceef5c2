import type { AclMessage } from "../acl/mod.ts";
import type { DfTemplate } from "../directory/mod.ts";
import {
  actionFromIotaSl,
  type AmsAgentDescription,
  equalsIotaResultToSl,
  slSequence,
  type SlTerm,
  writeSl,
} from "../sl/mod.ts";
import type { ManagementAgent, ManagementContext } from "./context.ts";
import { effectiveMaxResults } from "./max-results.ts";
import { notUnderstood } from "./not-understood.ts";
import { type ManagementOutcome, repliesOnly } from "./outcome.ts";
import { buildReply, type ReplyTemplate } from "./reply.ts";
import {
  actionText,
  agree,
  isParsed,
  type ParsedRequest,
  parseManagementContent,
  readAction,
  refuse,
} from "./request.ts";

/** The description each management agent searches with. */
interface Templates {
  ams: AmsAgentDescription;
  df: DfTemplate;
}

/** A subscription to `who`'s search (AMS or DF), as both keep it. */
export interface SearchSubscription<K extends ManagementAgent> {
  /** The subscriber's agent name. */
  subscriber: string;
  /** The conversation of the `subscribe`; with `subscriber` it identifies the subscription. */
  conversation_id?: string;
  template: Templates[K];
  /** SL text of the subscribed `search` action (named in every notification). */
  action: string;
  /** Parameters of the notifications. */
  reply: ReplyTemplate;
}

/** A `subscribe` read and checked: its action, the subscription, and the `max-results` to use. */
export interface SubscribeSearch<K extends ManagementAgent> {
  p: ParsedRequest;
  subscription: SearchSubscription<K>;
  maxResults: number;
}

/**
 * Reads a `subscribe` to `who` (FIPA subscribe protocol) with content
 * `((iota ?x (result (action <who> (search <description> <constraints>)) ?x)))`. Returns the
 * subscription it asks for, or the outcome to answer with at once (`not-understood` for
 * other content, `refuse` for another function, another kind of description, or no sender).
 */
export function readSubscribeSearch<K extends ManagementAgent>(
  ctx: ManagementContext,
  msg: AclMessage,
  who: K,
): SubscribeSearch<K> | ManagementOutcome {
  const parsed = parseManagementContent(ctx, msg, who, "fipa-subscribe");
  if (!("elements" in parsed)) return parsed;
  const { t, elements } = parsed;
  const action = elements.length === 1 ? actionFromIotaSl(elements[0]) : undefined;
  if (!action) {
    return repliesOnly(notUnderstood(
      t,
      msg,
      { kind: "unrecognised-value", parameter: "content" },
      `expected ((iota ?x (result (action <${who}> (search ...)) ?x)))`,
    ));
  }
  const p = readAction(ctx, msg, t, who, action);
  if (!isParsed(p)) return p;
  const a = p.expr.action;
  if (a.function !== "search") {
    return refuse(p, msg, { kind: "unsupported-function", function: a.function });
  }
  if (a.description.kind !== who) {
    return refuse(p, msg, {
      kind: "unrecognised-parameter-value",
      parameter: "description",
      value: writeSl(p.call.items[1] as SlTerm),
    });
  }
  if (!msg.sender) return refuse(p, msg, { kind: "unauthorised" });
  const subscription: SearchSubscription<K> = {
    subscriber: msg.sender.name,
    template: a.description.value as Templates[K],
    action: actionText(p),
    reply: t,
  };
  if (msg.conversation_id !== undefined) subscription.conversation_id = msg.conversation_id;
  return {
    p,
    subscription,
    maxResults: effectiveMaxResults(ctx, a.constraints.max_results),
  };
}

/** Whether `x` is a read subscription rather than an early outcome. */
export function isSubscribeSearch<K extends ManagementAgent>(
  x: SubscribeSearch<K> | ManagementOutcome,
): x is SubscribeSearch<K> {
  return "subscription" in x;
}

/** The answers to an accepted subscription: `agree`, and an `inform` of what matches now. */
export function subscribeReplies(
  s: SubscribeSearch<ManagementAgent>,
  found: SlTerm[],
): AclMessage[] {
  return [
    agree(s.p),
    buildReply(s.subscription.reply, "inform", [
      equalsIotaResultToSl(s.p.action, slSequence(found)),
    ]),
  ];
}
