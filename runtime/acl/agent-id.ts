import { z } from "zod";

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

/** A FIPA agent name: non-empty, no whitespace and no parentheses (an SC00070 Word). */
export const AgentNameSchema = z
  .string()
  .min(1, "agent name must not be empty")
  .max(1024, "agent name must be at most 1024 characters")
  .regex(/^[^\s()]+$/, "agent name must not contain whitespace or parentheses");

/** Schema of the canonical agent identifier object. */
export const AgentIdentifierSchema: z.ZodType<AgentIdentifier> = z.object({
  name: AgentNameSchema,
  addresses: z.array(z.string().min(1).max(2048)).max(64).default([]),
  get resolvers(): z.ZodDefault<z.ZodArray<z.ZodType<AgentIdentifier>>> {
    return z.array(AgentIdentifierSchema).max(16).default([]);
  },
  user_params: z.record(z.string().min(1), z.string()).default({}),
}).meta({ id: "AgentIdentifier" }) as unknown as z.ZodType<AgentIdentifier>;

/**
 * Schema that accepts either a bare name (`"echo@node-a"`) or an identifier object and
 * yields the canonical object.
 *
 * @example
 * ```ts
 * AgentRefSchema.parse("echo@node-a");
 * // { name: "echo@node-a", addresses: [], resolvers: [], user_params: {} }
 * ```
 */
export const AgentRefSchema: z.ZodType<AgentIdentifier, unknown> = z.union([
  AgentNameSchema.transform((name): AgentIdentifier => aid(name)),
  AgentIdentifierSchema,
]);

/** Builds an agent identifier from a name and optional addresses. */
export function aid(name: string, addresses: string[] = []): AgentIdentifier {
  return { name, addresses, resolvers: [], user_params: {} };
}

/** Whether an identifier carries nothing but its name (so the JSON form can be a string). */
export function isBareAid(id: AgentIdentifier): boolean {
  return id.addresses.length === 0 && id.resolvers.length === 0 &&
    Object.keys(id.user_params).length === 0;
}
