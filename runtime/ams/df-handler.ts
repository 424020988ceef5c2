import type { AclMessage } from "../acl/mod.ts";
import { AgentNameSchema } from "../acl/mod.ts";
import type { DfAgentDescription, DfTemplate, DirectoryCommand } from "../directory/mod.ts";
import {
  dfAgentDescriptionToSl,
  resultToSl,
  type SearchConstraints,
  slSequence,
  type SlTerm,
  writeSl,
} from "../sl/mod.ts";
import { defaultMayModify, type ManagementContext } from "./context.ts";
import { federatedDfs } from "./federation.ts";
import { type ManagementOutcome, repliesOnly } from "./outcome.ts";
import { buildReply } from "./reply.ts";
import {
  actionText,
  agree,
  isParsed,
  type ParsedRequest,
  parseRequest,
  refuse,
} from "./request.ts";
import { fullAgentId, inDirectoryNames, withFullName } from "./names.ts";
import { findSubscription, type Subscription } from "./subscriptions.ts";
import { cancelSubscription } from "./cancel.ts";
import { checkRegistration, isException } from "./validate.ts";
import { effectiveMaxResults } from "./max-results.ts";
import { isSubscribeSearch, readSubscribeSearch, subscribeReplies } from "./subscribe-search.ts";

function descriptionTerm(p: ParsedRequest): SlTerm {
  return p.call.items[1] as SlTerm;
}

/**
 * A search: the local matches, answered at once unless the search is to propagate
 * (`max-depth` above 0, or negative for "no limit" as SC00023 says; fewer local matches
 * than wanted; federated DFs to ask), in which case the outcome carries the
 * {@link FederatedSearch} for the shell. A search id served before by a search that could
 * propagate (one that came back around a cycle of federated DFs) finds nothing.
 */
function search(
  ctx: ManagementContext,
  msg: AclMessage,
  p: ParsedRequest,
  d: DfTemplate,
  constraints: SearchConstraints,
): ManagementOutcome {
  const fed = ctx.federation;
  const id = constraints.search_id;
  const inform = (found: DfAgentDescription[]) =>
    buildReply(p.t, "inform", [
      resultToSl(p.action, slSequence(found.map(dfAgentDescriptionToSl))),
    ]);
  if (fed !== undefined && id !== undefined && fed.seen(id)) {
    return repliesOnly(agree(p), inform([]));
  }
  const max = effectiveMaxResults(ctx, constraints.max_results);
  const found = ctx.directory.searchServices(d, { max_results: max, now: ctx.now })
    .map((f) => withFullName(ctx, f));
  const depth = constraints.max_depth ?? 0;
  const targets = fed !== undefined && depth !== 0 && found.length < max
    ? federatedDfs(ctx.directory, `df@${ctx.platform}`, fed.parents, {
      now: ctx.now,
      exclude: msg.sender?.name,
      fullId: (id) => fullAgentId(ctx, id),
    })
    : [];
  if (fed !== undefined && targets.length > 0) {
    const search_id = id ?? fed.freshSearchId;
    return {
      replies: [agree(p)],
      commands: [],
      searched: search_id,
      federate: {
        reply: p.t,
        action: p.action,
        template: d,
        local: found,
        max_results: max,
        search_id,
        max_depth: depth < 0 ? depth : depth - 1,
        targets,
      },
    };
  }
  const out = repliesOnly(agree(p), inform(found));
  // Only a search that may go on can come back around a cycle: a client that repeats a
  // local search with the same id is not taken for a loop.
  if (id !== undefined && depth !== 0) out.searched = id;
  return out;
}

/**
 * Handles a `request` to the DF (register, deregister, modify, search). Mutations answer
 * `agree` now and carry the command plus a pending request for {@link completeRequest};
 * searches answer `agree` and `inform` with `((result <action> (sequence <dfd>...)))`, or
 * `agree` and a search to propagate to federated DFs (`max-depth` not 0).
 */
export function handleDfRequest(ctx: ManagementContext, msg: AclMessage): ManagementOutcome {
  const p = parseRequest(ctx, msg, "df");
  if (!isParsed(p)) return p;
  const a = p.expr.action;
  if (a.function === "get-description") {
    return refuse(p, msg, { kind: "unsupported-function", function: "get-description" });
  }
  if (a.description.kind !== "df") {
    return refuse(p, msg, {
      kind: "unrecognised-parameter-value",
      parameter: "description",
      value: writeSl(descriptionTerm(p)),
    });
  }
  const d = inDirectoryNames(ctx, a.description.value);
  if (a.function === "search") return search(ctx, msg, p, d, a.constraints);
  const may = ctx.mayModify ?? defaultMayModify(ctx.platform);
  let command: DirectoryCommand;
  if (a.function === "deregister") {
    if (d.name === undefined) {
      return refuse(p, msg, {
        kind: "missing-parameter",
        object: "df-agent-description",
        parameter: "name",
      });
    }
    if (!AgentNameSchema.safeParse(d.name.name).success) {
      return refuse(p, msg, {
        kind: "unrecognised-parameter-value",
        parameter: "name",
        value: d.name.name,
      });
    }
    if (!msg.sender || !may(msg.sender, fullAgentId(ctx, d.name))) {
      return refuse(p, msg, { kind: "unauthorised" });
    }
    command = { type: "df.deregister", name: d.name.name, at: ctx.now };
  } else {
    const checked = checkRegistration(d);
    if (isException(checked)) return refuse(p, msg, checked);
    if (checked.lease_time !== undefined && Date.parse(checked.lease_time) <= Date.parse(ctx.now)) {
      return refuse(p, msg, {
        kind: "unrecognised-parameter-value",
        parameter: "lease-time",
        value: checked.lease_time,
      });
    }
    if (!msg.sender || !may(msg.sender, fullAgentId(ctx, checked.name))) {
      return refuse(p, msg, { kind: "unauthorised" });
    }
    command = {
      type: a.function === "register" ? "df.register" : "df.modify",
      description: checked,
      at: ctx.now,
    };
  }
  return {
    replies: [agree(p)],
    commands: [command],
    pending: { function: a.function, action: actionText(p), reply: p.t, commands: 1 },
  };
}

/**
 * Handles a `subscribe` to the DF (FIPA subscribe protocol) with content
 * `((iota ?x (result (action <df> (search <dfd> <constraints>)) ?x)))`: answers `agree`
 * and an `inform` with the current matches, and returns the subscription to add.
 */
export function handleDfSubscribe(ctx: ManagementContext, msg: AclMessage): ManagementOutcome {
  const s = readSubscribeSearch(ctx, msg, "df");
  if (!isSubscribeSearch(s)) return s;
  const template = inDirectoryNames(ctx, s.subscription.template);
  const found = ctx.directory.searchServices(template, { max_results: s.maxResults, now: ctx.now })
    .map((f) => withFullName(ctx, f));
  const sub: Subscription = { ...s.subscription, template };
  return {
    replies: subscribeReplies(s, found.map(dfAgentDescriptionToSl)),
    commands: [],
    subscribe: sub,
  };
}

/**
 * Handles a `cancel` of a DF subscription (identified by sender and conversation id):
 * `inform` with `((done <cancelled>))` and the subscription to remove, or `failure` when
 * there is no such subscription. `<cancelled>` is the cancel's content element when it is
 * SL, else the cancel act itself.
 */
export function handleDfCancel(ctx: ManagementContext, msg: AclMessage): ManagementOutcome {
  const r = cancelSubscription(
    ctx,
    msg,
    "df",
    (subscriber, cid) =>
      findSubscription(ctx.subscriptions ?? { byKey: new Map() }, subscriber, cid),
  );
  if (!r) return repliesOnly();
  return r.gone ? { ...repliesOnly(r.reply), unsubscribe: r.gone } : repliesOnly(r.reply);
}
