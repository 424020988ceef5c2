import type { Performative } from "../../acl/mod.ts";
import { headOf, slApply, type SlTerm, slWord } from "../ast.ts";
import { slText } from "./text.ts";

/**
 * The exception propositions of the fipa-agent-management ontology (SC00023, "Exceptions"),
 * as data. Zero-argument ones are SL proposition symbols (bare words, as JADE writes
 * `already-registered`); the others are predicates with string arguments.
 */
export type FipaException =
  // conveyed by not-understood
  | { kind: "unsupported-act"; act: string }
  | { kind: "unexpected-act"; act: string }
  | { kind: "unsupported-value"; parameter: string }
  | { kind: "unrecognised-value"; parameter: string }
  // conveyed by refuse
  | { kind: "unauthorised" }
  | { kind: "unsupported-function"; function: string }
  | { kind: "missing-argument"; argument: string }
  | { kind: "unexpected-argument"; argument: string }
  | { kind: "unexpected-argument-count" }
  | { kind: "missing-parameter"; object: string; parameter: string }
  | { kind: "unexpected-parameter"; object: string; parameter: string }
  | { kind: "unrecognised-parameter-value"; parameter: string; value: string }
  // conveyed by failure
  | { kind: "already-registered" }
  | { kind: "not-registered" }
  | { kind: "internal-error"; message: string };

/** The kind tag of a {@link FipaException}. */
export type FipaExceptionKind = FipaException["kind"];

const PERFORMATIVE: Record<FipaExceptionKind, Performative> = {
  "unsupported-act": "not-understood",
  "unexpected-act": "not-understood",
  "unsupported-value": "not-understood",
  "unrecognised-value": "not-understood",
  "unauthorised": "refuse",
  "unsupported-function": "refuse",
  "missing-argument": "refuse",
  "unexpected-argument": "refuse",
  "unexpected-argument-count": "refuse",
  "missing-parameter": "refuse",
  "unexpected-parameter": "refuse",
  "unrecognised-parameter-value": "refuse",
  "already-registered": "failure",
  "not-registered": "failure",
  "internal-error": "failure",
};

/** The communicative act that conveys an exception (`not-understood`, `refuse`, `failure`). */
export function exceptionPerformative(e: FipaException): Performative {
  return PERFORMATIVE[e.kind];
}

/** The exception's arguments, in SC00023 order. */
function args(e: FipaException): string[] {
  switch (e.kind) {
    case "unsupported-act":
    case "unexpected-act":
      return [e.act];
    case "unsupported-value":
    case "unrecognised-value":
      return [e.parameter];
    case "unsupported-function":
      return [e.function];
    case "missing-argument":
    case "unexpected-argument":
      return [e.argument];
    case "missing-parameter":
    case "unexpected-parameter":
      return [e.object, e.parameter];
    case "unrecognised-parameter-value":
      return [e.parameter, e.value];
    case "internal-error":
      return [e.message];
    default:
      return [];
  }
}

/**
 * The SL proposition for an exception.
 *
 * @example
 * ```ts
 * writeSl(exceptionToSl({ kind: "missing-parameter", object: "df-agent-description", parameter: "name" }));
 * // "(missing-parameter df-agent-description name)"
 * writeSl(exceptionToSl({ kind: "not-registered" })); // "not-registered"
 * ```
 */
export function exceptionToSl(e: FipaException): SlTerm {
  const a = args(e);
  if (a.length === 0) return slWord(e.kind);
  if (e.kind === "internal-error") return slApply(e.kind, { kind: "string", value: e.message });
  return slApply(e.kind, ...a.map(slText));
}

const ARITY: Record<FipaExceptionKind, number> = {
  "unsupported-act": 1,
  "unexpected-act": 1,
  "unsupported-value": 1,
  "unrecognised-value": 1,
  "unauthorised": 0,
  "unsupported-function": 1,
  "missing-argument": 1,
  "unexpected-argument": 1,
  "unexpected-argument-count": 0,
  "missing-parameter": 2,
  "unexpected-parameter": 2,
  "unrecognised-parameter-value": 2,
  "already-registered": 0,
  "not-registered": 0,
  "internal-error": 1,
};

/**
 * Reads an exception proposition (bare word or `(predicate args...)`, case-insensitive),
 * or returns `undefined` if the term is not one.
 */
export function exceptionFromSl(t: SlTerm): FipaException | undefined {
  let kind: string | undefined;
  let argTerms: SlTerm[] = [];
  if (t.kind === "word") kind = t.value.toLowerCase();
  else if (t.kind === "list") {
    kind = headOf(t);
    if (t.items.some((i) => i.kind === "param")) return undefined;
    argTerms = t.items.slice(1) as SlTerm[];
  }
  if (kind === undefined || !(kind in ARITY)) return undefined;
  const k = kind as FipaExceptionKind;
  if (argTerms.length !== ARITY[k]) return undefined;
  const a: string[] = [];
  for (const x of argTerms) {
    if (x.kind === "word" || x.kind === "string") a.push(x.value);
    else if (x.kind === "number") a.push(x.text);
    else return undefined;
  }
  switch (k) {
    case "unsupported-act":
    case "unexpected-act":
      return { kind: k, act: a[0] };
    case "unsupported-value":
    case "unrecognised-value":
      return { kind: k, parameter: a[0] };
    case "unsupported-function":
      return { kind: k, function: a[0] };
    case "missing-argument":
    case "unexpected-argument":
      return { kind: k, argument: a[0] };
    case "missing-parameter":
    case "unexpected-parameter":
      return { kind: k, object: a[0], parameter: a[1] };
    case "unrecognised-parameter-value":
      return { kind: k, parameter: a[0], value: a[1] };
    case "internal-error":
      return { kind: k, message: a[0] };
    default:
      return { kind: k } as FipaException;
  }
}

/**
 * A term that does not fit the fipa-agent-management ontology; `exception` is the
 * proposition to answer with (usually conveyed by `refuse`).
 */
export class OntologyError extends Error {
  constructor(readonly exception: FipaException, message?: string) {
    super(message ?? describe(exception));
    this.name = "OntologyError";
  }
}

function describe(e: FipaException): string {
  switch (e.kind) {
    case "missing-parameter":
      return `${e.object} is missing parameter :${e.parameter}`;
    case "unexpected-parameter":
      return `${e.object} does not take parameter :${e.parameter}`;
    case "unrecognised-parameter-value":
      return `unrecognised value ${e.value} for :${e.parameter}`;
    case "unsupported-function":
      return `unsupported function ${e.function}`;
    case "missing-argument":
      return `missing argument ${e.argument}`;
    case "unexpected-argument":
      return `unexpected argument ${e.argument}`;
    default:
      return args(e).length ? `${e.kind}: ${args(e).join(" ")}` : e.kind;
  }
}
