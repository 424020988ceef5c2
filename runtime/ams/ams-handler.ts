import { type AclMessage, aid } from "../acl/mod.ts";
import type { AgentRecord } from "../directory/mod.ts";
import {
  type AmsAgentDescription,
  amsAgentDescriptionToSl,
  apDescriptionToSl,
  HTTP_MTP_SERVICE,
  resultToSl,
  SL_TRUE,
  slSequence,
  writeSl,
} from "../sl/mod.ts";
import { amsDescriptionOf, lifecycleStatesOf } from "./ams-state.ts";
import { type ManagementContext, sameAgentName } from "./context.ts";
import { localNameOf } from "./names.ts";
import { handleAmsManagement } from "./ams-manage.ts";
import { effectiveMaxResults } from "./max-results.ts";
import { type ManagementOutcome, repliesOnly } from "./outcome.ts";
import { buildReply } from "./reply.ts";
import { isParsed, type ParsedRequest, parseRequest, refuse } from "./request.ts";

const PAGE = 500;

/** The platform's own agents, as JADE's AMS lists them: its AMS and its DF, both active. */
function platformAgents(ctx: ManagementContext): AmsAgentDescription[] {
  return (["ams", "df"] as const).map((who) => ({
    name: aid(`${who}@${ctx.platform}`, [...ctx.addresses]),
    state: "active" as const,
  }));
}

/**
 * Agents matching an AMS template, at most `max`: the platform's AMS and DF first, then the
 * hosted agents in name order, each with its full name (`<local>@<platform>`) and the
 * platform's addresses. A template's name matches by local or full name alike.
 */
export function searchAms(
  ctx: ManagementContext,
  template: AmsAgentDescription,
  max: number,
): AmsAgentDescription[] {
  const out: AmsAgentDescription[] = [];
  const keep = (d: AmsAgentDescription) => {
    if (out.length >= max) return;
    if (template.state !== undefined && d.state !== template.state) return;
    if (template.ownership !== undefined && d.ownership !== template.ownership) return;
    out.push(d);
  };
  const take = (r: AgentRecord | undefined) => {
    if (r) keep(amsDescriptionOf(r, ctx.platform, ctx.addresses));
  };
  if (template.name !== undefined) {
    const local = localNameOf(ctx, template.name.name);
    if (local === undefined) return out;
    const own = platformAgents(ctx).find((d) =>
      sameAgentName(d.name!.name, `${local}@${ctx.platform}`)
    );
    if (own) keep(own);
    else take(ctx.directory.getAgent(local));
    return out;
  }
  for (const d of platformAgents(ctx)) keep(d);
  if (template.state !== undefined) {
    const records: AgentRecord[] = [];
    for (const s of lifecycleStatesOf(template.state)) {
      for (let offset = 0;;) {
        const page = ctx.directory.listAgents({ state: s, offset, limit: PAGE });
        records.push(...page.agents);
        if (page.next_offset === undefined) break;
        offset = page.next_offset;
      }
    }
    records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const r of records) take(r);
    return out;
  }
  for (let offset = 0; out.length < max;) {
    const page = ctx.directory.listAgents({ offset, limit: PAGE });
    for (const r of page.agents) take(r);
    if (page.next_offset === undefined) break;
    offset = page.next_offset;
  }
  return out;
}

function informResult(p: ParsedRequest, value: ReturnType<typeof slSequence>): AclMessage[] {
  return [
    buildReply(p.t, "agree", [p.action, SL_TRUE]),
    buildReply(p.t, "inform", [resultToSl(p.action, value)]),
  ];
}

/**
 * Handles a `request` to the AMS: `search` (by `ams-agent-description` template) and
 * `get-description` (the platform's `ap-description` with its HTTP MTP addresses), each
 * answered with `agree` and `inform` `((result <action> (sequence ...)))`; `register`,
 * `deregister` and `modify` by authorised callers (see {@link handleAmsManagement}).
 */
export function handleAmsRequest(ctx: ManagementContext, msg: AclMessage): ManagementOutcome {
  const p = parseRequest(ctx, msg, "ams");
  if (!isParsed(p)) return p;
  const a = p.expr.action;
  switch (a.function) {
    case "get-description": {
      const ap = apDescriptionToSl({
        name: ctx.platform,
        ap_services: ctx.addresses.length
          ? [{ name: HTTP_MTP_SERVICE, type: HTTP_MTP_SERVICE, addresses: [...ctx.addresses] }]
          : [],
      });
      return repliesOnly(...informResult(p, slSequence([ap])));
    }
    case "search": {
      if (a.description.kind !== "ams") {
        return refuse(p, msg, {
          kind: "unrecognised-parameter-value",
          parameter: "description",
          value: writeSl(p.call.items[1] as Parameters<typeof writeSl>[0]),
        });
      }
      const found = searchAms(
        ctx,
        a.description.value,
        effectiveMaxResults(ctx, a.constraints.max_results),
      );
      return repliesOnly(...informResult(p, slSequence(found.map(amsAgentDescriptionToSl))));
    }
    default:
      return handleAmsManagement(ctx, msg, p);
  }
}
