import {
  type DfAgentDescription,
  DfAgentDescriptionSchema,
  type DfTemplate,
} from "../directory/mod.ts";
import type { FipaException } from "../sl/mod.ts";

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of path) v = (v as Record<PropertyKey, unknown> | undefined)?.[k];
  return v;
}

/**
 * Checks a description sent to `register` or `modify`: it must name the agent, each
 * service must have a name and a type (so it can be found by `find-agents-by-service`),
 * and every value must satisfy {@link DfAgentDescriptionSchema}.
 *
 * @returns the registration, or the exception to refuse with.
 */
export function checkRegistration(d: DfTemplate): DfAgentDescription | FipaException {
  if (d.name === undefined) {
    return { kind: "missing-parameter", object: "df-agent-description", parameter: "name" };
  }
  for (const s of d.services) {
    for (const p of ["name", "type"] as const) {
      if (s[p] === undefined) {
        return { kind: "missing-parameter", object: "service-description", parameter: p };
      }
    }
  }
  const r = DfAgentDescriptionSchema.safeParse(d);
  if (!r.success) {
    const issue = r.error.issues[0];
    const parameter = [...issue.path].reverse().find((k) => typeof k === "string") ?? "description";
    const v = valueAt(d, issue.path);
    return {
      kind: "unrecognised-parameter-value",
      parameter: String(parameter).replaceAll("_", "-"),
      value: typeof v === "string" ? v : JSON.stringify(v) ?? "nothing",
    };
  }
  return r.data as DfAgentDescription;
}

/** Whether a check result is an exception. */
export function isException(x: DfAgentDescription | FipaException): x is FipaException {
  return "kind" in x;
}
