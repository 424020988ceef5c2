import type { AgentIdentifier } from "../../acl/mod.ts";
import type { DfTemplate } from "../../directory/mod.ts";
import {
  headOf,
  isKeyword,
  slApply,
  type SlList,
  type SlTerm,
  slVariable,
  slWord,
} from "../ast.ts";
import { agentIdentifierFromSl, agentIdentifierToSl } from "./agent-identifier.ts";
import {
  type AmsAgentDescription,
  amsAgentDescriptionFromSl,
  amsAgentDescriptionToSl,
} from "./ams-description.ts";
import {
  type DescriptionReadOptions,
  dfAgentDescriptionFromSl,
  dfAgentDescriptionToSl,
} from "./df-description.ts";
import { OntologyError } from "./exceptions.ts";
import { badValue, shown } from "./frame.ts";
import {
  type SearchConstraints,
  searchConstraintsFromSl,
  searchConstraintsToSl,
} from "./search-constraints.ts";

/** The functions of the fipa-agent-management ontology this runtime knows. */
export const MANAGEMENT_FUNCTIONS = [
  "register",
  "deregister",
  "modify",
  "search",
  "get-description",
] as const;

/** One management function name. */
export type ManagementFunction = typeof MANAGEMENT_FUNCTIONS[number];

/** The description argument of an action: a DF or an AMS agent description. */
export type AgentDescription =
  | { kind: "df"; value: DfTemplate }
  | { kind: "ams"; value: AmsAgentDescription };

/** A management function applied to its arguments. */
export type ManagementAction =
  | { function: "register" | "deregister" | "modify"; description: AgentDescription }
  | { function: "search"; description: AgentDescription; constraints: SearchConstraints }
  | { function: "get-description" };

/** `(action <actor> <function call>)`. */
export interface ActionExpression {
  actor: AgentIdentifier;
  action: ManagementAction;
}

/**
 * Whether `t` has the shape `(action <term> <term>)`; returns its parts (the act as a
 * list, a bare word act is turned into a one-item list).
 */
export function actionParts(t: SlTerm): { actor: SlTerm; act: SlList } | undefined {
  if (t.kind !== "list" || t.items.length !== 3 || !isKeyword(t.items[0], "action")) {
    return undefined;
  }
  const [, actor, act] = t.items;
  if (actor.kind === "param" || act.kind === "param") return undefined;
  if (act.kind === "word") return { actor, act: { kind: "list", items: [act] } };
  if (act.kind !== "list" || headOf(act) === undefined) return undefined;
  return { actor, act };
}

function description(t: SlTerm, opts: DescriptionReadOptions): AgentDescription {
  const h = headOf(t);
  if (h === "df-agent-description") {
    return { kind: "df", value: dfAgentDescriptionFromSl(t, opts) };
  }
  if (h === "ams-agent-description") return { kind: "ams", value: amsAgentDescriptionFromSl(t) };
  return badValue("description", t);
}

/**
 * Reads an action expression of the fipa-agent-management ontology, e.g.
 * `(action (agent-identifier :name df@p) (register (df-agent-description ...)))`.
 * Function names are case-insensitive; `search` without constraints gets empty ones.
 *
 * @throws {OntologyError} `unrecognised-value content` when `t` is not an action at all,
 *   `unsupported-function` for an unknown function, `missing-argument` /
 *   `unexpected-argument-count` for a wrong number of arguments, and the errors of the
 *   description readers.
 */
export function actionFromSl(t: SlTerm, opts: DescriptionReadOptions = {}): ActionExpression {
  const parts = actionParts(t);
  if (!parts) throw new OntologyError({ kind: "unrecognised-value", parameter: "content" });
  const actor = agentIdentifierFromSl(parts.actor, "actor");
  const fn = headOf(parts.act)!;
  const args = parts.act.items.slice(1);
  for (const a of args) {
    if (a.kind === "param") {
      throw new OntologyError({ kind: "unexpected-argument", argument: `:${a.name}` });
    }
  }
  const terms = args as SlTerm[];
  const count = (min: number, max: number) => {
    if (terms.length < min) {
      throw new OntologyError({ kind: "missing-argument", argument: "description" });
    }
    if (terms.length > max) throw new OntologyError({ kind: "unexpected-argument-count" });
  };
  switch (fn) {
    case "register":
    case "deregister":
    case "modify":
      count(1, 1);
      return { actor, action: { function: fn, description: description(terms[0], opts) } };
    case "search": {
      count(1, 2);
      const constraints = terms.length > 1 ? searchConstraintsFromSl(terms[1]) : {};
      return {
        actor,
        action: { function: "search", description: description(terms[0], opts), constraints },
      };
    }
    case "get-description":
      count(0, 0);
      return { actor, action: { function: "get-description" } };
    default:
      throw new OntologyError(
        { kind: "unsupported-function", function: (parts.act.items[0] as { value: string }).value },
        `unsupported function ${shown(parts.act)}`,
      );
  }
}

function descriptionToSl(d: AgentDescription): SlTerm {
  return d.kind === "df" ? dfAgentDescriptionToSl(d.value) : amsAgentDescriptionToSl(d.value);
}

/** Writes an action expression (inverse of {@link actionFromSl}). */
export function actionToSl(a: ActionExpression): SlList {
  const act = a.action;
  let call: SlList;
  switch (act.function) {
    case "search":
      call = slApply(
        "search",
        descriptionToSl(act.description),
        searchConstraintsToSl(act.constraints),
      );
      break;
    case "get-description":
      call = slApply("get-description");
      break;
    default:
      call = slApply(act.function, descriptionToSl(act.description));
  }
  return slApply("action", agentIdentifierToSl(a.actor), call);
}

/** `(done <action>)`: the proposition an `inform` carries after register/deregister/modify. */
export function doneToSl(action: SlTerm): SlList {
  return slApply("done", action);
}

/** `(result <action> <value>)`: what an `inform` carries after search/get-description. */
export function resultToSl(action: SlTerm, value: SlTerm): SlList {
  return slApply("result", action, value);
}

/** `(iota ?x (result <action> ?x))`: "the result of the action" (what a subscription names). */
export function iotaResultToSl(action: SlTerm, variable = "x"): SlList {
  const v = slVariable(variable);
  return slApply("iota", v, slApply("result", action, v));
}

/** `(= (iota ?x (result <action> ?x)) <value>)`: what a subscription notification carries. */
export function equalsIotaResultToSl(action: SlTerm, value: SlTerm): SlList {
  return slApply("=", iotaResultToSl(action), value);
}

/** The action of `(done <action>)`, or `undefined`. */
export function doneFromSl(t: SlTerm): SlTerm | undefined {
  if (t.kind !== "list" || t.items.length < 2 || !isKeyword(t.items[0], "done")) return undefined;
  const a = t.items[1];
  return a.kind === "param" ? undefined : a;
}

/** The parts of `(result <action> <value>)`, or `undefined`. */
export function resultFromSl(t: SlTerm): { action: SlTerm; value: SlTerm } | undefined {
  if (t.kind !== "list" || t.items.length !== 3 || !isKeyword(t.items[0], "result")) {
    return undefined;
  }
  const [, action, value] = t.items;
  if (action.kind === "param" || value.kind === "param") return undefined;
  return { action, value };
}

/**
 * The action of `(iota ?x (result <action> ?x))` (the subscription content of the FIPA
 * subscribe protocol for DF notifications), or `undefined`.
 */
export function actionFromIotaSl(t: SlTerm): SlTerm | undefined {
  if (t.kind !== "list" || t.items.length !== 3 || !isKeyword(t.items[0], "iota")) {
    return undefined;
  }
  const [, v, body] = t.items;
  if (v.kind !== "variable" || body.kind !== "list") return undefined;
  const r = resultFromSl(body);
  if (!r || r.value.kind !== "variable" || r.value.name !== v.name) return undefined;
  return r.action;
}

/** The word `true` (the condition of an unconditional `agree`). */
export const SL_TRUE: SlTerm = Object.freeze(slWord("true"));
