import { z } from "zod";
import { type AgentIdentifier, aid } from "./aid.ts";

export { type AgentIdentifier, aid } from "./aid.ts";

/** What an agent name may hold: no whitespace and no parentheses. */
const AGENT_NAME = /^[^\s()]+$/;
/** The longest agent name. */
const MAX_NAME_LENGTH = 1024;
/** Most addresses one identifier may list. */
export const MAX_ADDRESSES = 64;
/** The longest address. */
export const MAX_ADDRESS_LENGTH = 2048;

/** Whether `v` is a name {@link AgentNameSchema} accepts (without asking the schema). */
export function isAgentName(v: unknown): v is string {
  return typeof v === "string" && v.length >= 1 && v.length <= MAX_NAME_LENGTH &&
    AGENT_NAME.test(v);
}

/** A FIPA agent name: non-empty, no whitespace and no parentheses (an SC00070 Word). */
export const AgentNameSchema = z
  .string()
  .min(1, "agent name must not be empty")
  .max(MAX_NAME_LENGTH, `agent name must be at most ${MAX_NAME_LENGTH} characters`)
  .regex(AGENT_NAME, "agent name must not contain whitespace or parentheses");

/**
 * How deep agent identifiers nest through `resolvers`: an identifier is level 1, its
 * resolvers level 2, and so on. One limit for every wire form: the JSON form, the FIPA
 * string form (whose parser refuses the same), envelopes and directory entries, so that
 * whatever one form accepts the others can carry.
 */
export const MAX_AID_NESTING = 16;

/** Most resolvers one identifier may list. */
/** Most resolvers one identifier may list. */
export const MAX_RESOLVERS = 16;

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
    addresses: z.array(z.string().min(1).max(MAX_ADDRESS_LENGTH)).max(MAX_ADDRESSES).default([]),
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
 * Whether `o` is an ordinary object literal (`Object.prototype`, no symbol keys), as zod
 * reads a record or object and gives one back.
 */
export function isPlainRecord(o: unknown): o is Record<string, unknown> {
  if (typeof o !== "object" || o === null) return false;
  return Object.getPrototypeOf(o) === Object.prototype &&
    Object.getOwnPropertySymbols(o).length === 0;
}

/** Whether every own key of `o` is one of `keys`. */
export function hasOnlyKeys(o: object, keys: ReadonlySet<string>): boolean {
  for (const k of Object.keys(o)) if (!keys.has(k)) return false;
  return true;
}

const AID_KEYS: ReadonlySet<string> = new Set(["name", "addresses", "resolvers", "user_params"]);

/**
 * Whether `v` certainly passes {@link AgentIdentifierSchema} and comes out of it unchanged
 * (every field present, no other key), at nesting `level` (1 for an identifier, 2 for its
 * resolvers...). A hand-written walk, many times cheaper than the schema on the message
 * path; `false` does not mean invalid: ask the schema then, for its verdict and its message.
 */
export function isCanonicalAid(v: unknown, level = 1): v is AgentIdentifier {
  if (!isPlainRecord(v) || !hasOnlyKeys(v, AID_KEYS)) return false;
  const { name, addresses, resolvers, user_params } = v;
  if (!isAgentName(name)) return false;
  if (!Array.isArray(addresses) || addresses.length > MAX_ADDRESSES) return false;
  for (const a of addresses) {
    if (typeof a !== "string" || a.length < 1 || a.length > MAX_ADDRESS_LENGTH) return false;
  }
  const maxResolvers = level < MAX_AID_NESTING ? MAX_RESOLVERS : 0;
  if (!Array.isArray(resolvers) || resolvers.length > maxResolvers) return false;
  for (const r of resolvers) if (!isCanonicalAid(r, level + 1)) return false;
  if (!isPlainRecord(user_params)) return false;
  for (const k of Object.keys(user_params)) {
    if (k.length < 1 || typeof user_params[k] !== "string") return false;
  }
  return true;
}

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

/** Whether an identifier carries nothing but its name (so the JSON form can be a string). */
export function isBareAid(id: AgentIdentifier): boolean {
  return id.addresses.length === 0 && id.resolvers.length === 0 &&
    Object.keys(id.user_params).length === 0;
}
