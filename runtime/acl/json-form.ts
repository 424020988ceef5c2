import { z } from "zod";
import { AclError, type AclIssue } from "./acl-error.ts";
import { type AgentIdentifier, AgentRefSchema, isBareAid } from "./agent-id.ts";
import { fastAclJson } from "./json-fast.ts";
import {
  type AclMessage,
  JsonValueSchema,
  ProtocolWordSchema,
  ReplyBySchema,
  TEXT_PARAMS,
} from "./message.ts";
import { PerformativeSchema } from "./performative.ts";

const Text = z.string().max(65536);
/** `null` in the JSON form means "absent", as the seeds write `"in_reply_to": null`. */
const OptText = Text.nullish();
const OneOrMany = z.union([AgentRefSchema, z.array(AgentRefSchema).max(1024)]);

/**
 * Schema of the JSON form of an ACL message (snake_case, as in "Send Message" of the
 * Caxton API reference). `receiver` takes one agent or a list; an agent is a name or an
 * identifier object. Unknown fields are refused so that typos surface.
 */
export const AclJsonSchema = z.strictObject({
  performative: PerformativeSchema,
  sender: AgentRefSchema.nullish(),
  receiver: OneOrMany,
  reply_to: OneOrMany.nullish(),
  content: JsonValueSchema.optional(),
  language: OptText,
  encoding: OptText,
  ontology: OptText,
  protocol: ProtocolWordSchema.nullish(),
  conversation_id: OptText,
  reply_with: OptText,
  in_reply_to: OptText,
  reply_by: ReplyBySchema.nullish(),
  user_params: z.record(z.string().min(1).regex(/^[^\s():]+$/), z.string()).optional(),
});

/** The JSON form as a client writes it (input side of {@link AclJsonSchema}). */
export type AclJsonInput = z.input<typeof AclJsonSchema>;

/** The JSON form as this runtime writes it. */
export interface AclJson {
  performative: string;
  sender?: string | AgentIdentifier;
  receiver: string | AgentIdentifier | (string | AgentIdentifier)[];
  reply_to?: (string | AgentIdentifier)[];
  content?: AclMessage["content"];
  language?: string;
  encoding?: string;
  ontology?: string;
  protocol?: string;
  conversation_id?: string;
  reply_with?: string;
  in_reply_to?: string;
  reply_by?: string;
  user_params?: Record<string, string>;
}

/**
 * Converts zod issues to ACL issues with field paths. A union that failed as a whole
 * (e.g. an agent given as a name or an object) reports the issues of the alternative whose
 * type matched, which names the real problem, rather than "Invalid input".
 */
export function zodIssues(error: z.ZodError): AclIssue[] {
  return error.issues.flatMap((i) => flatIssues(i, []));
}

type Issue = z.core.$ZodIssue;

/** Whether an alternative of a union failed only because the value is of another type. */
function wrongType(i: Issue): boolean {
  if (i.path.length > 0) return false;
  if (i.code === "invalid_type") return true;
  return i.code === "invalid_union" && i.errors.every((b) => b.length > 0 && wrongType(b[0]));
}

function flatIssues(i: Issue, prefix: PropertyKey[]): AclIssue[] {
  const path = [...prefix, ...i.path];
  if (i.code === "invalid_union" && i.errors.length) {
    const typed = i.errors.find((branch) => branch.length > 0 && !wrongType(branch[0]));
    if (typed) return typed.flatMap((b) => flatIssues(b, path));
  }
  return [{
    path: path.map((p) => (typeof p === "symbol" ? String(p) : p)),
    message: i.message,
  }];
}

/**
 * Parses the JSON form (an already-decoded JSON value) into the model.
 *
 * @throws {AclError} naming each offending field path.
 * @example
 * ```ts
 * const msg = parseAclJson({ performative: "request", receiver: "echo", content: "hi" });
 * msg.receivers[0].name; // "echo"
 * ```
 */
export function parseAclJson(value: unknown): AclMessage {
  return fastAclJson(value) ?? parseAclJsonBySchema(value);
}

/**
 * {@link parseAclJson} through {@link AclJsonSchema} alone (the path of every message the
 * hand-written happy path `fastAclJson` leaves to the schema, and of every error).
 *
 * @throws {AclError} naming each offending field path.
 */
export function parseAclJsonBySchema(value: unknown): AclMessage {
  const r = AclJsonSchema.safeParse(value);
  if (!r.success) {
    const issues = zodIssues(r.error);
    const first = issues[0];
    const where = first.path?.length ? first.path.join(".") : "message";
    throw new AclError(`Invalid ACL message: ${where}: ${first.message}`, issues);
  }
  const j = r.data;
  const msg: AclMessage = {
    performative: j.performative,
    receivers: Array.isArray(j.receiver) ? j.receiver : [j.receiver],
  };
  if (msg.receivers.length === 0) {
    throw new AclError("Invalid ACL message: receiver: at least one receiver is required", [
      { path: ["receiver"], message: "at least one receiver is required" },
    ]);
  }
  if (j.sender) msg.sender = j.sender;
  if (j.reply_to) msg.reply_to = Array.isArray(j.reply_to) ? j.reply_to : [j.reply_to];
  if (j.content !== undefined) msg.content = j.content;
  for (const k of TEXT_PARAMS) {
    const v = j[k];
    if (v !== null && v !== undefined) msg[k] = v;
  }
  if (j.reply_by) msg.reply_by = j.reply_by;
  if (j.user_params && Object.keys(j.user_params).length) msg.user_params = j.user_params;
  return msg;
}

function ref(id: AgentIdentifier): string | AgentIdentifier {
  return isBareAid(id) ? id.name : id;
}

/**
 * Writes the model in JSON form: bare names where an identifier has nothing else, and
 * `receiver` as a single value when there is one receiver.
 */
export function toAclJson(msg: AclMessage): AclJson {
  const out: AclJson = {
    performative: msg.performative,
    receiver: msg.receivers.length === 1 ? ref(msg.receivers[0]) : msg.receivers.map(ref),
  };
  if (msg.sender) out.sender = ref(msg.sender);
  if (msg.reply_to) out.reply_to = msg.reply_to.map(ref);
  if (msg.content !== undefined) out.content = msg.content;
  for (const k of TEXT_PARAMS) {
    const v = msg[k];
    if (v !== undefined) out[k] = v;
  }
  if (msg.reply_by !== undefined) out.reply_by = msg.reply_by;
  if (msg.user_params && Object.keys(msg.user_params).length) {
    out.user_params = msg.user_params;
  }
  return out;
}
