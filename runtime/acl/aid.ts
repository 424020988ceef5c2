/**
 * The agent identifier's shape and its constructor, without schemas: what a sandbox Worker
 * needs without loading zod (see `performative-set.ts`). `agent-id.ts` adds the schemas.
 * @module
 */

/**
 * A FIPA agent identifier (SC00023 §6.1.1): a globally unique name, optional transport
 * addresses (e.g. `http://host:7778/acc`), optional resolvers (name services, themselves
 * agent identifiers) and user-defined slots.
 */
export interface AgentIdentifier {
  /** Unique name, `local@platform`, e.g. `echo@node-a`. */
  name: string;
  /** Transport addresses, in order of preference. */
  addresses: string[];
  /** Agent identifiers of name resolution services. */
  resolvers: AgentIdentifier[];
  /** User-defined slots, keyed by name without the leading colon (e.g. `X-role`). */
  user_params: Record<string, string>;
}

/** Builds an agent identifier from a name and optional addresses. */
export function aid(name: string, addresses: string[] = []): AgentIdentifier {
  return { name, addresses, resolvers: [], user_params: {} };
}
