import type { BuiltMessage } from "./args.ts";
import { UsageError } from "./args.ts";

/** A message body ready to send, with its content type. */
export interface MessageBody {
  contentType: "application/json" | "text/fipa-acl";
  body: string;
  form: "json" | "fipa-string";
}

/**
 * Tells the form of a message text and checks JSON locally, so a typo is reported before
 * anything is sent: `{...}` is the JSON form, `(performative ...)` the FIPA string form.
 * Pure.
 *
 * @throws {UsageError} for empty text, bad JSON, or neither form
 * @example
 * ```ts
 * messageBody('(inform :receiver (set (agent-identifier :name echo)) :content "x")').contentType;
 * // "text/fipa-acl"
 * ```
 */
export function messageBody(text: string): MessageBody {
  const t = text.trim();
  if (t === "") throw new UsageError("the message is empty", "send");
  if (t.startsWith("(")) return { contentType: "text/fipa-acl", body: t, form: "fipa-string" };
  if (t.startsWith("{")) {
    try {
      JSON.parse(t);
    } catch (e) {
      throw new UsageError(`the message is not valid JSON: ${(e as Error).message}`, "send");
    }
    return { contentType: "application/json", body: t, form: "json" };
  }
  throw new UsageError(
    `a message is JSON ({"performative":...}) or a FIPA string ((request ...)), not '${
      t.slice(0, 40)
    }'`,
    "send",
  );
}

/** The JSON body of a message built from flags. Pure. */
export function builtBody(m: BuiltMessage): MessageBody {
  const json: Record<string, unknown> = {
    performative: m.performative,
    receiver: m.receiver.length === 1 ? m.receiver[0] : m.receiver,
  };
  for (const k of ["sender", "content", "conversation_id", "protocol", "ontology", "language"]) {
    const v = (m as unknown as Record<string, unknown>)[k];
    if (v !== undefined) json[k] = v;
  }
  return { contentType: "application/json", body: JSON.stringify(json), form: "json" };
}
