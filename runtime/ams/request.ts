import type { AclMessage } from "../acl/mod.ts";
import {
  type ActionExpression,
  actionFromSl,
  actionParts,
  agentIdentifierFromSl,
  exceptionPerformative,
  exceptionToSl,
  fillMissingValues,
  type FipaException,
  OntologyError,
  parseSlContent,
  SL_TRUE,
  SlError,
  type SlList,
  slString,
  type SlTerm,
  writeSl,
} from "../sl/mod.ts";
import {
  type ManagementAgent,
  type ManagementContext,
  platformAgentId,
  sameAgentName,
} from "./context.ts";
import { localNameOf } from "./names.ts";
import { envelopeProblem, isAgentManagementOntology, isFipaSl } from "./envelope.ts";
import { notUnderstood } from "./not-understood.ts";
import { type ManagementOutcome, repliesOnly } from "./outcome.ts";
import { buildReply, type ReplyTemplate, replyTemplate } from "./reply.ts";

/** The reply parameters for a request to the AMS/DF (`undefined`: nobody to reply to). */
export function templateFor(
  ctx: ManagementContext,
  msg: AclMessage,
  who: ManagementAgent,
  protocol: string,
): ReplyTemplate | undefined {
  return replyTemplate(msg, platformAgentId(ctx, who), {
    protocol,
    language: isFipaSl(msg.language) ? msg.language : undefined,
    ontology: isAgentManagementOntology(msg.ontology) ? msg.ontology : undefined,
  });
}

/**
 * The reply that conveys an exception about `action`: `not-understood` for the
 * not-understood kinds, otherwise `refuse`/`failure` with `(<action> <exception>)`.
 */
export function exceptionReply(
  t: ReplyTemplate,
  msg: AclMessage,
  action: SlTerm,
  e: FipaException,
  detail?: string,
): AclMessage {
  const performative = exceptionPerformative(e);
  if (performative === "not-understood") return notUnderstood(t, msg, e, detail);
  return buildReply(t, performative, [action, exceptionToSl(e)]);
}

/**
 * The action as it is echoed in replies: as received, except that slots written without a
 * value (JADE's spelling of an empty string) get `""`, so the reply is valid SL.
 */
export function echoable(action: SlTerm): SlTerm {
  return fillMissingValues(action, slString(""));
}

/** A request whose content was read as a management action. */
export interface ParsedRequest {
  t: ReplyTemplate;
  /** The action term as received (echoed in replies). */
  action: SlTerm;
  /** The function call inside it. */
  call: SlList;
  expr: ActionExpression;
}

/**
 * Reads the content element of a request or subscription as an action addressed to `who`:
 * checks the actor, then converts it. Returns the early reply when that fails.
 */
export function readAction(
  ctx: ManagementContext,
  msg: AclMessage,
  t: ReplyTemplate,
  who: ManagementAgent,
  action: SlTerm,
): ParsedRequest | ManagementOutcome {
  const parts = actionParts(action);
  if (!parts) {
    return repliesOnly(
      notUnderstood(
        t,
        msg,
        { kind: "unrecognised-value", parameter: "content" },
        "expected an action expression (action <agent-identifier> <function>)",
      ),
    );
  }
  try {
    const actor = agentIdentifierFromSl(parts.actor, "actor");
    const local = localNameOf(ctx, actor.name);
    if (local === undefined || !sameAgentName(local, who)) {
      return repliesOnly(exceptionReply(t, msg, echoable(action), {
        kind: "unrecognised-parameter-value",
        parameter: "actor",
        value: actor.name,
      }));
    }
    const expr = actionFromSl(action, { now: ctx.now });
    return { t, action: echoable(action), call: parts.act, expr };
  } catch (e) {
    if (e instanceof OntologyError) {
      return repliesOnly(exceptionReply(t, msg, echoable(action), e.exception, e.message));
    }
    throw e;
  }
}

/**
 * The first steps shared by every AMS/DF conversation: who to reply to, the envelope
 * (language, ontology, `protocol`), and the SL content. Returns the reply template and the
 * content elements, or the outcome to answer with right away (nothing, or `not-understood`).
 */
export function parseManagementContent(
  ctx: ManagementContext,
  msg: AclMessage,
  who: ManagementAgent,
  protocol: string,
): { t: ReplyTemplate; elements: SlTerm[] } | ManagementOutcome {
  const t = templateFor(ctx, msg, who, protocol);
  if (!t) return repliesOnly();
  const problem = envelopeProblem(msg, protocol);
  if (problem) return repliesOnly(notUnderstood(t, msg, problem));
  try {
    return { t, elements: parseSlContent(msg.content as string, { allowMissingValues: true }) };
  } catch (e) {
    if (!(e instanceof SlError)) throw e;
    return repliesOnly(
      notUnderstood(t, msg, { kind: "unrecognised-value", parameter: "content" }, e.message),
    );
  }
}

/**
 * The common first steps of every AMS/DF request: envelope, SL parsing, a single action
 * element, actor and ontology conversion. Returns either the parsed request or the outcome
 * to answer with right away.
 */
export function parseRequest(
  ctx: ManagementContext,
  msg: AclMessage,
  who: ManagementAgent,
): ParsedRequest | ManagementOutcome {
  const parsed = parseManagementContent(ctx, msg, who, "fipa-request");
  if (!("elements" in parsed)) return parsed;
  const { t, elements } = parsed;
  if (elements.length !== 1) {
    return repliesOnly(
      notUnderstood(
        t,
        msg,
        { kind: "unrecognised-value", parameter: "content" },
        `expected one action expression, found ${elements.length} elements`,
      ),
    );
  }
  return readAction(ctx, msg, t, who, elements[0]);
}

/** Whether `x` is a parsed request rather than an early outcome. */
export function isParsed(x: ParsedRequest | ManagementOutcome): x is ParsedRequest {
  return "expr" in x;
}

/** `agree` to a parsed request: `((<action> true))`. */
export function agree(p: ParsedRequest): AclMessage {
  return buildReply(p.t, "agree", [p.action, SL_TRUE]);
}

/** `refuse` of a parsed request. */
export function refuse(p: ParsedRequest, msg: AclMessage, e: FipaException): ManagementOutcome {
  return repliesOnly(exceptionReply(p.t, msg, p.action, e));
}

/** The SL text of a term, for a {@link PendingRequest}. */
export const actionText = (p: ParsedRequest): string => writeSl(p.action);
