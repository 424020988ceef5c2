import { z } from "zod";
import { type AgentIdentifier, AgentIdentifierSchema } from "./agent-id.ts";
import { type Performative, PERFORMATIVES } from "./performative.ts";
import { atomKind, clip } from "./string-lexer.ts";

export { isReplyBy, REPLY_BY_PATTERN, TEXT_PARAMS } from "./message-fields.ts";

/** Any JSON value: the content of a message in JSON form may be structured. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** How deep a JSON content value may nest. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether `v` is a JSON value (finite numbers, plain objects and arrays, no deeper than
 * {@link MAX_JSON_DEPTH}). A hand-written walk: an order of magnitude cheaper than a
 * recursive zod union on the hot message path.
 */
export function isJsonValue(v: unknown, depth = 0): v is JsonValue {
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v);
    case "object": {
      if (v === null) return true;
      if (depth >= MAX_JSON_DEPTH) return false;
      if (Array.isArray(v)) {
        for (const x of v) if (!isJsonValue(x, depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const k in v) {
        if (!isJsonValue((v as Record<string, unknown>)[k], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** Schema of a JSON value (any JSON, nested at most {@link MAX_JSON_DEPTH} deep). */
export const JsonValueSchema: z.ZodType<JsonValue> = z
  .unknown()
  .refine((v) => isJsonValue(v), {
    message: `must be a JSON value nested at most ${MAX_JSON_DEPTH} deep`,
  })
  .meta({ id: "JsonValue", description: "Any JSON value" }) as z.ZodType<JsonValue>;

/**
 * `reply-by` in the model: an ISO 8601 date-time, either UTC (`...Z`), with an offset
 * (`...+02:00`), or local time without designator (`2026-11-21T10:15:00.000`), the three
 * things a FIPA DateTime token can say.
 */
export const ReplyBySchema = z.iso.datetime({ offset: true, local: true });

/**
 * The ACL message model (FIPA SC00061): one canonical shape that both wire forms (the
 * JSON form and the FIPA string representation) parse into and serialize from.
 *
 * Expression-valued parameters (`language`, `encoding`, `ontology`, `conversation_id`,
 * `reply_with`, `in_reply_to`, user parameters) hold the expression's text: a word as
 * written, a string's value, or a parenthesised expression's exact source text.
 * `content` is a string for FIPA content; the JSON form may carry any JSON value.
 */
export interface AclMessage {
  performative: Performative;
  sender?: AgentIdentifier;
  /** One or more receivers (FIPA allows an empty set only in the string form). */
  receivers: AgentIdentifier[];
  reply_to?: AgentIdentifier[];
  content?: JsonValue;
  language?: string;
  encoding?: string;
  ontology?: string;
  /** The interaction protocol: a Word (SC00070), e.g. `fipa-request`, never an expression. */
  protocol?: string;
  conversation_id?: string;
  reply_with?: string;
  in_reply_to?: string;
  /** ISO 8601, see {@link ReplyBySchema}. */
  reply_by?: string;
  /** User-defined parameters keyed without the colon, e.g. `X-comment`. */
  user_params?: Record<string, string>;
}

const Text = z.string().max(65536);

/**
 * Whether `text` is a Word of SC00070 (what `:protocol` takes): no whitespace or
 * parentheses, not starting with `#`, a digit, `-`, `@`, `"` or `:`, and not a number.
 */
export function isAclWord(text: string): boolean {
  if (text.length === 0 || text.charCodeAt(0) === 58) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 40 || c === 41) return false;
  }
  return atomKind(text) === "word";
}

/** Schema of the `protocol` parameter: a Word (SC00070), as JADE requires too. */
export const ProtocolWordSchema = Text.refine(isAclWord, {
  error: (i) =>
    `protocol '${
      clip(String(i.input))
    }' is not a Word (SC00070): no spaces, parentheses or quotes, e.g. fipa-request`,
});

/** Schema of the canonical model; what every codec's output must satisfy. */
export const AclMessageSchema: z.ZodType<AclMessage> = z.object({
  performative: z.enum(PERFORMATIVES),
  sender: AgentIdentifierSchema.optional(),
  receivers: z.array(AgentIdentifierSchema).max(1024),
  reply_to: z.array(AgentIdentifierSchema).max(1024).optional(),
  content: JsonValueSchema.optional(),
  language: Text.optional(),
  encoding: Text.optional(),
  ontology: Text.optional(),
  protocol: ProtocolWordSchema.optional(),
  conversation_id: Text.optional(),
  reply_with: Text.optional(),
  in_reply_to: Text.optional(),
  reply_by: ReplyBySchema.optional(),
  user_params: z.record(z.string().min(1), z.string()).optional(),
}) as unknown as z.ZodType<AclMessage>;
