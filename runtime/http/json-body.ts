import type { Context } from "hono";
import type { z } from "zod";
import { zodIssues } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import { mediaType } from "./acl-body.ts";
import type { AppEnv } from "./env.ts";

/**
 * Reads a JSON request body and validates it with `schema`.
 *
 * @throws {ApiError} `415` for a non-JSON content type; `400 INVALID_REQUEST` for bad JSON
 *   or a body the schema refuses, with the field path of each problem in `details.issues`.
 */
export async function readJson<S extends z.ZodType>(
  c: Context<AppEnv>,
  schema: S,
): Promise<z.output<S>> {
  const type = mediaType(c.req.header("content-type"));
  if (type !== "application/json" && !type.endsWith("+json")) {
    throw new ApiError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Content-Type '${type || "(none)"}' is not supported; send application/json`,
      { content_type: type, supported: ["application/json"] },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(await c.req.text());
  } catch (e) {
    throw new ApiError("INVALID_REQUEST", `Body is not valid JSON: ${(e as Error).message}`);
  }
  return parseField(schema, value);
}

/**
 * Validates a body (or, with `field`, one field of it, such as a multipart `config`) with
 * `schema`.
 *
 * @throws {ApiError} `400 INVALID_REQUEST` naming the field path of the first problem
 *   (`details.path`, prefixed with `field`) and listing all in `details.issues`.
 */
export function parseField<S extends z.ZodType>(
  schema: S,
  value: unknown,
  field?: string,
): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = zodIssues(r.error);
  const first = issues[0];
  const path = field === undefined ? first.path : [field, ...(first.path ?? [])];
  throw new ApiError(
    "INVALID_REQUEST",
    `Invalid ${field ?? "request"}: ${path?.join(".") || "body"}: ${first.message}`,
    { path, issues },
  );
}
