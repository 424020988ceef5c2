import type { AclMessage } from "../acl/mod.ts";
import type { FipaException } from "../sl/mod.ts";

/** FIPA-SL and its subsets, any case: `fipa-sl`, `fipa-sl0`, `fipa-sl1`, `fipa-sl2`. */
export function isFipaSl(language: string | undefined): boolean {
  return language !== undefined && /^fipa-sl[012]?$/i.test(language);
}

/** `fipa-agent-management`, any case. */
export function isAgentManagementOntology(ontology: string | undefined): boolean {
  return ontology?.toLowerCase() === "fipa-agent-management";
}

/**
 * What is wrong with a message's envelope for the AMS/DF, as the `not-understood` reason,
 * or `undefined`: the language must be FIPA-SL, the ontology fipa-agent-management, the
 * protocol (when given) `protocol`, and the content a string.
 */
export function envelopeProblem(msg: AclMessage, protocol: string): FipaException | undefined {
  if (!isFipaSl(msg.language)) return { kind: "unsupported-value", parameter: "language" };
  if (!isAgentManagementOntology(msg.ontology)) {
    return { kind: "unsupported-value", parameter: "ontology" };
  }
  if (msg.protocol !== undefined && msg.protocol.toLowerCase() !== protocol) {
    return { kind: "unsupported-value", parameter: "protocol" };
  }
  if (typeof msg.content !== "string") return { kind: "unrecognised-value", parameter: "content" };
  return undefined;
}
