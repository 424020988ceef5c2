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

/**
 * How deep agent identifiers nest through `resolvers`: an identifier is level 1, its
 * resolvers level 2, and so on. One limit for every wire form: the JSON form, the FIPA
 * string form (whose parser refuses the same), envelopes and directory entries, so that
 * whatever one form accepts the others can carry.
 */
export const MAX_AID_NESTING = 16;

/** Most resolvers one identifier may list. */
const MAX_RESOLVERS = 16;

/**
 * The identifier schema at nesting `level`. The levels are distinct schemas, so validation
 * never recurses deeper than {@link MAX_AID_NESTING} whatever the input's depth.
 */
function identifierAt(level: number): z.ZodType<AgentIdentifier> {
  const resolvers = level < MAX_AID_NESTING
    ? z.array(identifierAt(level + 1)).max(MAX_RESOLVERS)
    : z.array(z.unknown()).max(
      0,
      `agent identifiers nest at most ${MAX_AID_NESTING} levels through resolvers`,
    );
  return z.object({
    name: AgentNameSchema,
    addresses: z.array(z.string().min(1).max(2048)).max(64).default([]),
    resolvers: resolvers.default([]),
    user_params: z.record(z.string().min(1), z.string()).default({}),
  }) as unknown as z.ZodType<AgentIdentifier>;
}

/**
 * Schema of the canonical agent identifier object; resolvers nest at most
 * {@link MAX_AID_NESTING} levels.
 */
export const AgentIdentifierSchema: z.ZodType<AgentIdentifier> = identifierAt(1).meta({
  id: "AgentIdentifier",
});

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
