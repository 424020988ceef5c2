import type { AclMessage, AgentIdentifier } from "../acl/mod.ts";
import { doneToSl, exceptionToSl, writeSl } from "../sl/mod.ts";
import { FIPA_STATE } from "./ams-state.ts";
import { type ManagementContext, sameAgentName } from "./context.ts";
import { fullAgentId, localNameOf } from "./names.ts";
import { type ManagementOutcome, repliesOnly } from "./outcome.ts";
import { buildReply } from "./reply.ts";
import { actionText, agree, type ParsedRequest, refuse } from "./request.ts";

/** What the shell does to a hosted agent for an AMS `modify` or `deregister`. */
export type AgentManagementAction = "stop" | "start" | "hibernate" | "remove";

/** The default AMS authorisation: an agent may manage only its own description. */
export function selfOnly(requester: AgentIdentifier, target: AgentIdentifier): boolean {
  return sameAgentName(requester.name, target.name);
}

/**
 * Handles `register`, `deregister` and `modify` of an `ams-agent-description` (SC00023) by
 * a caller `ctx.mayManage` allows (by default only the agent itself):
 *
 * - `modify` with `:state suspended` stops the agent, `:state active` starts it again,
 *   `:state waiting` hibernates it (the FIPA states of the lifecycle, see `FIPA_STATE`);
 *   `:ownership` cannot change (`unsupported-value`); a state it already has is `done` at once.
 * - `deregister` removes the agent (its component, storage and DF registration).
 * - `register`: agents come into being by deployment (`POST /api/v1/agents`), so a hosted
 *   agent's name fails `already-registered` and any other is refused.
 *
 * Answers `agree` with the action to take in `manage`; the shell takes it on the node that
 * hosts the agent and answers `inform` `(done ...)` or `failure` (`completeRequest` /
 * `failRequest` with `manage.pending`).
 */
export function handleAmsManagement(
  ctx: ManagementContext,
  msg: AclMessage,
  p: ParsedRequest,
): ManagementOutcome {
  const a = p.expr.action;
  if (a.function !== "register" && a.function !== "deregister" && a.function !== "modify") {
    return refuse(p, msg, { kind: "unsupported-function", function: a.function });
  }
  if (a.description.kind !== "ams") {
    return refuse(p, msg, {
      kind: "unrecognised-parameter-value",
      parameter: "description",
      value: writeSl(p.call.items[1] as Parameters<typeof writeSl>[0]),
    });
  }
  const d = a.description.value;
  if (d.name === undefined) {
    return refuse(p, msg, {
      kind: "missing-parameter",
      object: "ams-agent-description",
      parameter: "name",
    });
  }
  const local = localNameOf(ctx, d.name.name);
  if (local === undefined) {
    return refuse(p, msg, {
      kind: "unrecognised-parameter-value",
      parameter: "name",
      value: d.name.name,
    });
  }
  const target = fullAgentId(ctx, d.name);
  const own = sameAgentName(local, "ams") || sameAgentName(local, "df");
  const may = ctx.mayManage ?? selfOnly;
  if (own || !msg.sender || !may(msg.sender, target)) {
    return refuse(p, msg, { kind: "unauthorised" });
  }
  const record = ctx.directory.getAgent(local);
  const fail = (e: Parameters<typeof exceptionToSl>[0]) =>
    repliesOnly(agree(p), buildReply(p.t, "failure", [p.action, exceptionToSl(e)]));
  const done = () => repliesOnly(agree(p), buildReply(p.t, "inform", [doneToSl(p.action)]));
  if (a.function === "register") {
    if (record) return fail({ kind: "already-registered" });
    return repliesOnly(buildReply(p.t, "refuse", [
      p.action,
      exceptionToSl({
        kind: "internal-error",
        message:
          `the AMS cannot create '${local}': agents are deployed through POST /api/v1/agents`,
      }),
    ]));
  }
  if (!record) return fail({ kind: "not-registered" });
  let action: AgentManagementAction | undefined;
  if (a.function === "deregister") {
    action = "remove";
  } else {
    if (d.ownership !== undefined && d.ownership !== record.owner) {
      return refuse(p, msg, { kind: "unsupported-value", parameter: "ownership" });
    }
    if (d.state !== undefined && d.state !== FIPA_STATE[record.state]) {
      switch (d.state) {
        case "suspended":
          action = "stop";
          break;
        case "active":
          action = "start";
          break;
        case "waiting":
          action = "hibernate";
          break;
        default:
          return refuse(p, msg, { kind: "unsupported-value", parameter: "state" });
      }
    }
  }
  if (action === undefined) return done();
  return {
    replies: [agree(p)],
    commands: [],
    manage: {
      action,
      agent: local,
      node: record.node,
      pending: { function: a.function, action: actionText(p), reply: p.t, commands: 0 },
    },
  };
}
