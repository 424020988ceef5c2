import type { Context } from "hono";
import { AclError, type AclMessage, parseAclJson, parseAclString } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { AppEnv } from "./env.ts";
import { aclApiError } from "./errors.ts";

/** Media types a message body may have, by wire form. */
export const ACL_MEDIA_TYPES = {
  json: ["application/json"],
  "fipa-string": ["text/fipa-acl", "application/fipa.acl.rep.string.std"],
} as const;

/** The essence of a `Content-Type` header: lower-cased, without parameters. */
export function mediaType(header: string | undefined): string {
  // The usual header as it is, without the split's array and two copies.
  if (header === "application/json") return header;
  return (header ?? "").split(";")[0].trim().toLowerCase();
}

/** Which wire form a media type carries, or `undefined` if it carries none. */
export function aclForm(type: string): "json" | "fipa-string" | undefined {
  if ((ACL_MEDIA_TYPES.json as readonly string[]).includes(type) || type.endsWith("+json")) {
    return "json";
  }
  if ((ACL_MEDIA_TYPES["fipa-string"] as readonly string[]).includes(type)) return "fipa-string";
  return undefined;
}

/** Line and column (1-based) of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

function jsonSyntaxError(text: string, e: SyntaxError): AclError {
  const lc = e.message.match(/line (\d+) column (\d+)/);
  const pos = e.message.match(/position (\d+)/);
  const where = lc
    ? { line: Number(lc[1]), column: Number(lc[2]) }
    : pos
    ? lineColumn(text, Number(pos[1]))
    : {};
  return new AclError(`Body is not valid JSON: ${e.message}`, [{ ...where, message: e.message }]);
}

/**
 * Reads an ACL message from the request body in either wire form, chosen by
 * `Content-Type`.
 *
 * @throws {ApiError} `415 UNSUPPORTED_MEDIA_TYPE` for other media types; `400 INVALID_ACL`
 *   with the field path (JSON) or line and column (string form) of the first problem.
 */
export async function readAclBody(
  c: Context<AppEnv>,
): Promise<{ message: AclMessage; form: "json" | "fipa-string" }> {
  const type = mediaType(c.req.header("content-type"));
  const form = aclForm(type);
  if (!form) {
    throw new ApiError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Content-Type '${type || "(none)"}' is not supported; send application/json or text/fipa-acl`,
      {
        content_type: type,
        supported: [...ACL_MEDIA_TYPES.json, ...ACL_MEDIA_TYPES["fipa-string"]],
      },
    );
  }
  const text = await c.req.text();
  try {
    if (form === "json") {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw jsonSyntaxError(text, e as SyntaxError);
      }
      return { message: parseAclJson(value), form };
    }
    return { message: parseAclString(text, { now: Date.now() }), form };
  } catch (e) {
    if (e instanceof AclError) throw aclApiError(e, form);
    throw e;
  }
}

/** Refuses a message that names no receiver (legal in the string form, useless to send). */
export function requireReceivers(message: AclMessage, form: "json" | "fipa-string"): void {
  if (message.receivers.length > 0) return;
  throw aclApiError(
    new AclError("Invalid ACL message: receiver: at least one receiver is required", [
      { path: ["receiver"], message: "at least one receiver is required" },
    ]),
    form,
  );
}
